import type { FastifyRequest } from 'fastify';
import { CrossmarginError } from '../core/errors.js';
import type { LiveAccountStatus } from '../engine/live/live-engine.js';
import { ErrorBodySchema } from './api-schemas.js';
import { canSeeAccount, type Principal } from './authenticate.js';
import { notFound, type MarginService } from './margin-service.js';

/** Error answers every authenticated route may give (documented in OpenAPI). */
export const errors = { 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema };

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new CrossmarginError('UNAUTHENTICATED', 'missing API key');
  return request.principal;
}

/** An account the key may not see answers 404, exactly like an unknown one: its existence is not revealed. */
export function visibleAccount(request: FastifyRequest, id: string): Principal {
  const principal = principalOf(request);
  if (!canSeeAccount(principal, id)) throw notFound(id);
  return principal;
}

export const actor = (p: Principal) => ({ keyId: p.key.id, role: p.key.role });

/** JSON has no Infinity: an infinite margin ratio (equity ≤ 0 with margin due) leaves the field out. */
export function wireMargin<M extends { status: LiveAccountStatus }>(margin: M): Omit<M, 'status'> & { status: Omit<LiveAccountStatus, 'marginRatio'> & { marginRatio?: number } } {
  const { marginRatio, ...status } = margin.status;
  return { ...margin, status: Number.isFinite(marginRatio) ? { ...status, marginRatio } : status };
}

/** The store knows the account but the engine does not (yet): report it as the store would. */
export async function requireKnown(service: MarginService, id: string): Promise<void> {
  if (!service.engine.hasAccount(id)) await service.getAccount(id);
}

