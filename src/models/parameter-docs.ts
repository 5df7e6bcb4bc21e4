import { z } from 'zod';
import { CrossmarginError } from '../core/errors.js';
import type { MarginModel, ParameterDoc } from './margin-model.js';

/**
 * A model's parameter documentation, read from its params schema (issue 18): each top-level field's description is
 * its zod metadata (`.meta({ description })` or `.describe()`) and its default is what the schema fills in when the
 * field is left out (`.default()` / `.prefault()`, after the field's own transforms). So `crossmargin models`, the
 * generated tables of docs/models/ and the validation itself cannot disagree: there is nothing else to keep.
 */
export function parameterDocs(schema: z.ZodType): ParameterDoc[] {
  return Object.entries(paramsShape(schema)).map(([name, field]) => ({ name, description: fieldDescription(name, field), default: defaultText(name, field) }));
}

/** `parameterDocs` of a registered model. */
export function modelParameterDocs(model: Pick<MarginModel, 'id' | 'paramsSchema'>): ParameterDoc[] {
  try {
    return parameterDocs(model.paramsSchema);
  } catch (error) {
    if (error instanceof CrossmarginError) throw new CrossmarginError(error.code, `model ${model.id}: ${error.message}`, { field: error.field });
    throw error;
  }
}

/** The top-level fields of a params schema: an object schema, possibly refined (zod 4 keeps `shape` on refinements). */
export function paramsShape(schema: z.ZodType): Readonly<Record<string, z.ZodType>> {
  const inner = unwrap(schema).find((s): s is z.ZodObject => s instanceof z.ZodObject);
  if (inner === undefined) throw new CrossmarginError('INTERNAL', 'params schema is not an object schema: its parameters cannot be documented');
  return inner.shape as Record<string, z.ZodType>;
}

/**
 * The schemas a field wraps, outermost first: default / prefault / optional / nullable / readonly / catch wrappers
 * and the input side of a pipe (a `.transform()`), down to the schema that validates the value.
 */
export function unwrap(schema: z.ZodType): z.ZodType[] {
  const chain: z.ZodType[] = [schema];
  for (let s: z.ZodType | undefined = schema; s !== undefined; ) {
    const def = s.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    s = def.type === 'pipe' ? def.in : ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type) ? def.innerType : undefined;
    if (s !== undefined) chain.push(s);
  }
  return chain;
}

function fieldDescription(name: string, field: z.ZodType): string {
  const description = unwrap(field)
    .map((s) => z.globalRegistry.get(s)?.description)
    .find((d): d is string => typeof d === 'string' && d.trim() !== '');
  if (description === undefined) throw new CrossmarginError('INTERNAL', `${name}: the parameter has no description; give it .meta({ description })`, { field: name });
  return description;
}

/** JSON text of the value the schema fills in for a missing field; `none` for an optional field without a default. */
function defaultText(name: string, field: z.ZodType): string {
  const chain = unwrap(field);
  if (!chain.some((s) => s.def.type === 'default' || s.def.type === 'prefault')) {
    if (!field.safeParse(undefined).success) return 'required';
    // An optional block whose fields all have defaults (an add-on switched on by `{}`): show what `{}` means.
    const empty = chain.find((s) => s.def.type !== 'optional')?.safeParse({});
    return empty?.success === true && isPlainJson(empty.data) && typeof empty.data === 'object' ? `none; {} = ${JSON.stringify(empty.data)}` : 'none';
  }
  const value: unknown = field.parse(undefined);
  if (!isPlainJson(value)) throw new CrossmarginError('INTERNAL', `${name}: the default is not plain JSON and cannot be documented`, { field: name });
  return JSON.stringify(value);
}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(isPlainJson);
  return false;
}
