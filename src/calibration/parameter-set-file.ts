import { z } from 'zod';
import { CrossmarginError } from '../core/errors.js';
import { parseWithSchema } from '../core/validate.js';
import { modelParamsFromCalibration } from './model-params-from-calibration.js';
import { PARAMETER_SET_FORMAT, ParameterSetSchema, type ParameterSet } from './parameter-set.js';

/**
 * A parameter-set file as users hold it, in one of two forms:
 * - the calibrated set `crossmargin calibrate --out` writes (`format: "crossmargin-params-1"`): model-agnostic scan
 *   ranges, which give the params of the scan-range models (CALIBRATED_MODELS) and of no other;
 * - a model's parameter set `{model, version, params}`, the body `POST /parameter-sets` has always taken.
 * Both are accepted wherever a parameter set is (`--param-set`, `POST /parameter-sets`), so calibrate's output is
 * usable as it is.
 */
export const ModelParameterSetSchema = z.strictObject({
  model: z.string().min(1),
  version: z.string().min(1).max(128),
  /** The model's parameters document (validated by the model's schema). */
  params: z.record(z.string(), z.unknown()),
});

export type ModelParameterSet = z.output<typeof ModelParameterSetSchema>;

/** Models whose params a calibrated set supplies: the three whose margins are driven by scan ranges. */
export const CALIBRATED_MODELS: readonly string[] = ['span', 'tims', 'scenario-grid'];

export type ParameterSetFile = { readonly kind: 'calibrated'; readonly set: ParameterSet } | { readonly kind: 'model'; readonly set: ModelParameterSet };

/** Either form, told apart by calibrate's `format` key; SCHEMA_INVALID naming `source` and the field otherwise. */
export function parseParameterSetFile(value: unknown, source?: string): ParameterSetFile {
  const isCalibrated = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'format');
  return isCalibrated ? { kind: 'calibrated', set: parseWithSchema(ParameterSetSchema, value, source) } : { kind: 'model', set: parseWithSchema(ModelParameterSetSchema, value, source) };
}

/** The models a parameter-set file gives params to. */
export function modelsOfParameterSetFile(file: ParameterSetFile): readonly string[] {
  return file.kind === 'calibrated' ? CALIBRATED_MODELS : [file.set.model];
}

/** Version label of the set: calibrate's integer version as text, or the model set's own version. */
export function versionOfParameterSetFile(file: ParameterSetFile): string {
  return String(file.set.version);
}

/**
 * The params `file` gives `model`: the model set's params, or the calibrated scan ranges as the model's params
 * fragment (models/…-params.ts shapes), merged over `base` (the model's other params) per underlying. A set for
 * another model is MODEL_PARAMS_INVALID naming `field` (the caller's name for the file) and both models.
 */
export function paramsFromParameterSetFile(file: ParameterSetFile, model: string, field: string, base?: unknown): Record<string, unknown> {
  const models = modelsOfParameterSetFile(file);
  if (!models.includes(model)) {
    const what = file.kind === 'calibrated' ? `a calibrated parameter set (${PARAMETER_SET_FORMAT}) is for ${models.join(', ')}` : `the parameter set is for model ${file.set.model}`;
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: ${what}, not for model ${model}`, { field, details: { model, parameterSetModels: [...models] } });
  }
  const fragment: Record<string, unknown> = file.kind === 'model' ? file.set.params : calibratedFragment(file.set, model);
  return mergeParams(base, fragment);
}

function calibratedFragment(set: ParameterSet, model: string): Record<string, unknown> {
  const p = modelParamsFromCalibration(set);
  return model === 'span' ? p.span : model === 'tims' ? p.tims : p.scenarioGrid;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `over` on top of `base`, two levels deep: a per-underlying map (`underlyings`, `classGroups`) keeps the base's
 * other underlyings and the base's other fields of an underlying (its vol shifts), so a params file and a calibrated
 * set combine. A base that is not an object is left for the model's schema to reject.
 */
function mergeParams(base: unknown, over: Record<string, unknown>): Record<string, unknown> {
  if (base === undefined) return over;
  if (!isRecord(base)) return base as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    if (isRecord(prior) && isRecord(value)) {
      const merged: Record<string, unknown> = { ...prior };
      for (const [name, entry] of Object.entries(value)) {
        const before = merged[name];
        merged[name] = isRecord(before) && isRecord(entry) ? { ...before, ...entry } : entry;
      }
      out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}
