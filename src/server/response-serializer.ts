import type { FastifySchema } from 'fastify';
import { serializerCompiler as checkedSerializerCompiler } from 'fastify-type-provider-zod';
import { CrossmarginError } from '../core/errors.js';
import { firstPath, isNonFiniteNumber } from './first-path.js';

/** Set to `1` (the test suite does, vitest.config.ts) to check every answer against its response schema. */
export const CHECK_RESPONSES_ENV = 'CROSSMARGIN_CHECK_RESPONSES';

type RouteSchema = { schema: FastifySchema; method: string; url: string; httpStatus?: string };
type Serializer = (data: unknown) => string;

/**
 * The response serialiser of every route (docs/service.md "Response schemas").
 *
 * - In service (`check` false), an answer is `JSON.stringify` of what the handler returned. The handlers' return
 *   types are the schemas' types, so the compiler already checks their shape. Checking every answer again with zod
 *   cost about a tenth of a what-if request's server time, and a quarter of the `/margins` overview. Figures are
 *   still checked on every answer: a non-finite number is refused (finiteJson).
 * - In checking mode (`check` true: the test suite) every answer goes through zod, as fastify-type-provider-zod's
 *   serialiser does. It must also be exactly what the fast path sends: a field the schema would strip, a default it
 *   would fill or a value it would change fails the request with the path of the first difference. So the suite
 *   shows that production answers match their schemas, on every response it makes.
 */
export function responseSerializerCompiler(check: boolean): (route: RouteSchema) => Serializer {
  if (!check) return () => finiteJson;
  return (route) => {
    const checked = checkedSerializerCompiler(route as Parameters<typeof checkedSerializerCompiler>[0]) as Serializer;
    return (data) => {
      const fast = finiteJson(data);
      const text = checked(data);
      const at = firstDifference(JSON.parse(text), JSON.parse(fast), '');
      if (at !== undefined) {
        throw new CrossmarginError('INTERNAL', `${route.method} ${route.url}: the answer differs from its response schema's encoding at "${at || '(root)'}"`, { field: at || 'response' });
      }
      return text;
    };
  };
}

/**
 * JSON.stringify of an answer holding no non-finite number; one that holds one is refused (ACCOUNT_UNMARGINABLE,
 * 422, naming the field: fail closed, never a null or a 500 in its place). JSON writes a non-finite number as `null`,
 * so only a text containing `null` is walked for one: most answers cost one search of their text.
 */
export function finiteJson(data: unknown): string {
  const text = JSON.stringify(data);
  const at = text !== undefined && text.includes('null') ? firstPath(data, isNonFiniteNumber) : undefined;
  if (at !== undefined) throw new CrossmarginError('ACCOUNT_UNMARGINABLE', `${at}: the figure is not finite; it cannot be reported`, { field: at });
  return text;
}

/** The path of the first place two JSON values differ (key order aside), or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return path;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const at = firstDifference(a[i], b[i], `${path}.${i}`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) {
    const at = firstDifference(ra[key], rb[key], path === '' ? key : `${path}.${key}`);
    if (at !== undefined) return at;
  }
  return undefined;
}
