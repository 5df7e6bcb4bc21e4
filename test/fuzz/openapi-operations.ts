import { resolveSchema, type JsonSchema } from './json-schema.js';

/** One parameter of an operation (path or query). */
export interface ParamSpec {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
}

/** One operation of the OpenAPI document, in the shape the fuzzer works with. */
export interface Operation {
  /** `GET /accounts/{id}` */
  readonly id: string;
  readonly method: string;
  /** OpenAPI path template, `/accounts/{id}/margin`. */
  readonly template: string;
  readonly pathParams: readonly ParamSpec[];
  readonly queryParams: readonly ParamSpec[];
  /** JSON body schema, when the operation takes a body. */
  readonly body: JsonSchema | undefined;
  readonly bodyRequired: boolean;
  /** False for operations the document marks public (`security: []`). */
  readonly secured: boolean;
  /** Documented response schemas (application/json) by status. */
  readonly responses: Readonly<Record<string, JsonSchema | undefined>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface RawOperation {
  readonly parameters?: readonly { in: string; name: string; required?: boolean; schema?: JsonSchema; $ref?: string }[];
  readonly requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  readonly security?: readonly unknown[];
  readonly responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

/** Every operation of an OpenAPI 3 document (paths × methods), in document order. */
export function operationsOf(doc: unknown): Operation[] {
  const d = doc as { paths?: Record<string, Record<string, RawOperation>>; security?: readonly unknown[] };
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(d.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const params = (op.parameters ?? []).map((p) => (p.$ref === undefined ? p : (resolveSchema(p as JsonSchema, doc) as unknown as typeof p)));
      const spec = (where: string) =>
        params.filter((p) => p.in === where).map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true || where === 'path' }));
      const json = op.requestBody?.content?.['application/json']?.schema;
      const security = op.security ?? d.security ?? [];
      const responses: Record<string, JsonSchema | undefined> = {};
      for (const [status, r] of Object.entries(op.responses ?? {})) responses[status] = r.content?.['application/json']?.schema;
      out.push({
        id: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        pathParams: spec('path'),
        queryParams: spec('query'),
        body: json,
        bodyRequired: json !== undefined && op.requestBody?.required !== false,
        secured: security.length > 0,
        responses,
      });
    }
  }
  return out;
}

/** The methods the document lists for a path template. */
export function methodsOf(ops: readonly Operation[], template: string): string[] {
  return ops.filter((o) => o.template === template).map((o) => o.method);
}
