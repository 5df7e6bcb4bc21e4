import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyRecord, CreatedApiKey, Store } from '../store/store.js';
import { ApiKeySchema, AuditQuerySchema, AuditSchema, CreatedKeySchema, CreateKeyBodySchema, KeyIdParamsSchema } from './api-schemas.js';
import { allowRoles } from './authenticate.js';
import { actor, errors, principalOf } from './route-helpers.js';

type Actor = ReturnType<typeof actor>;

const MANAGE_KEYS = allowRoles(['admin'], 'manage API keys');

export interface KeyRouteDeps {
  /** Where keys are listed and the audit log read. */
  readonly store: Store;
  /** Creates a key with its audit entry (the single-process service orders it with its other changes). */
  createKey(input: { role: ApiKeyRecord['role']; accountIds?: string[] | undefined; label?: string | undefined }, by: Actor): Promise<CreatedApiKey>;
  /** Revokes a key with its audit entry. */
  revokeKey(id: string, by: Actor): Promise<ApiKeyRecord>;
}

/**
 * API keys (admin) and the audit log (admin, risk officer): the same routes on the single-process service and the
 * cluster gateway (docs/service.md "Auth and roles", docs/scale-out.md "Gateway"), in the face's authenticated context.
 */
export function registerKeyRoutes(root: FastifyInstance, deps: KeyRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/audit', { config: allowRoles(['admin', 'risk-officer'], 'read the audit log'), schema: { tags: ['audit'], querystring: AuditQuerySchema, response: { 200: z.array(AuditSchema), ...errors } } }, async (request) => {
    return deps.store.listAudit(request.query);
  });

  // ---- API keys (admin) --------------------------------------------------------------------------------------

  app.post('/keys', { config: MANAGE_KEYS, schema: { tags: ['keys'], body: CreateKeyBodySchema, response: { 201: CreatedKeySchema, ...errors } } }, async (request, reply) => {
    const p = principalOf(request);
    return reply.code(201).send(await deps.createKey(request.body, actor(p)));
  });

  app.get('/keys', { config: MANAGE_KEYS, schema: { tags: ['keys'], response: { 200: z.array(ApiKeySchema), ...errors } } }, async () => {
    return deps.store.listApiKeys();
  });

  app.delete('/keys/:id', { config: MANAGE_KEYS, schema: { tags: ['keys'], params: KeyIdParamsSchema, response: { 200: ApiKeySchema, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const record = await deps.revokeKey(request.params.id, actor(p));
    return record;
  });
}
