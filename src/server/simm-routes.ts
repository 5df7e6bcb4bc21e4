import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseCrif } from '../portfolio/crif/read-crif.js';
import { computeSimm, loadSimmParameters } from '../risk/simm/index.js';
import { AccountIdParamsSchema, SimmAnswerSchema, SimmBodySchema } from './api-schemas.js';
import { ANY_ROLE } from './authenticate.js';
import type { MarginService } from './margin-service.js';
import { actor, errors, visibleAccount } from './route-helpers.js';

export interface SimmRouteDeps {
  readonly service: MarginService;
}

/** The source name CRIF errors carry: the body field, so an error reads `crif row 2 (line 3), column Label1: …`. */
const CRIF_SOURCE = 'crif';

/**
 * `POST /accounts/:id/simm` (docs/service.md "SIMM"): the ISDA SIMM initial margin of a CRIF file sent for an account,
 * with the tree that explains it. Any role, on the accounts its key sees (visibleAccount: an account holder its own,
 * like what-if): the answer is a computation over the sent file, nothing of the account changes. Computed on upload
 * and not stored (the store has no table for it); the upload is audited (`simm.upload`: rows, version, mpor, total —
 * not the file, which may be large and is the client's). A refused request (bad key, unseen or unknown account, bad
 * CRIF or parameters) writes nothing.
 */
export function registerSimmRoutes(root: FastifyInstance, deps: SimmRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service } = deps;

  app.post(
    '/accounts/:id/simm',
    {
      config: ANY_ROLE,
      schema: { tags: ['margin'], params: AccountIdParamsSchema, body: SimmBodySchema, response: { 200: SimmAnswerSchema, ...errors } },
    },
    async (request) => {
      const p = visibleAccount(request, request.params.id);
      await service.getAccount(request.params.id);
      const { version, mpor } = request.body;
      const parameters = loadSimmParameters(version, mpor);
      const rows = parseCrif(request.body.crif, CRIF_SOURCE);
      const result = computeSimm(rows, parameters);
      const computedAt = new Date().toISOString();
      const a = actor(p);
      await service.store.appendAudit({ keyId: a.keyId, action: 'simm.upload', target: request.params.id, payload: { rows: rows.length, version, mpor, total: result.total }, at: computedAt });
      return {
        accountId: request.params.id,
        total: result.total,
        currency: result.currency,
        tree: result.tree,
        version,
        mpor,
        rows: rows.length,
        computedAt,
        stored: false as const,
        licence: `Figures use the ISDA SIMM v${version} parameters; commercial use of ISDA SIMM is licensed by ISDA.`,
      };
    },
  );
}
