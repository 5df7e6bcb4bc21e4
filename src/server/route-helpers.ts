import type { FastifyRequest } from 'fastify';
import { CrossmarginError } from '../core/errors.js';
import { figuresChange } from '../engine/account/account-state.js';
import type { LiveAccountStatus, LiveMargin, ReportedFigures, WhatIfResult } from '../engine/live/live-engine.js';
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

type WireStatus = Omit<LiveAccountStatus, 'marginRatio'> & { marginRatio?: number };
type WireMargin = Omit<LiveMargin, 'status'> & { status: WireStatus };
type WireWhatIf = Omit<WhatIfResult, 'status' | 'result'> & { status: WireStatus; result: WhatIfResult['result'] | undefined };

/**
 * A live margin as its answer: JSON has no Infinity, so an infinite margin ratio (equity ≤ 0 with margin due) leaves
 * the field out. Built field by field: the engine's object makes `result` (and a what-if's `positions`) on first read
 * through accessors, and copying such an object with `...` is several times slower (it sits on the what-if path).
 */
export function wireMargin(m: LiveMargin): WireMargin {
  return Object.assign(wireFields(m, true), { computedAt: m.computedAt }, m.error === undefined ? {} : { error: m.error });
}

type WhatIfSide = Omit<ReportedFigures, 'asOf'>;

type WireWhatIfAnswer = WireWhatIf & {
  before: WhatIfSide;
  after: WhatIfSide;
  change: Omit<WhatIfSide, 'state'> & { state: { before: WhatIfSide['state']; after: WhatIfSide['state'] } };
};

const sideOf = (m: ReportedFigures | WhatIfResult): WhatIfSide => ({
  initialMargin: m.initialMargin,
  maintenanceMargin: m.maintenanceMargin,
  equity: m.equity,
  excess: 'excess' in m ? m.excess : m.status.excess,
  state: m.state,
});

/**
 * A what-if answer (wireMargin's rules): the after-state at the top level with the positions after the trades and
 * their value, plus before, after and their difference, both on one market (MarginService.whatIfWithBefore). The
 * model's explanation (`result`) only when asked: the engine builds it on first read (a lazy property), and it is
 * most of the answer's bytes (issue 15: about a tenth of a what-if request's server time).
 */
export function wireWhatIf(after: WhatIfResult, beforeFigures: ReportedFigures, explain: boolean): WireWhatIfAnswer {
  const before = sideOf(beforeFigures);
  const a = sideOf(after);
  // Added to wireFields' fresh object rather than spread into another: this is the what-if route's hot path.
  return Object.assign(wireFields(after, explain), {
    positions: after.positions,
    tradeValue: after.tradeValue,
    realisedPnl: after.realisedPnl,
    before,
    after: a,
    change: { ...figuresChange(before, a), state: { before: before.state, after: a.state } },
  });
}

/** JSON has no Infinity: an infinite margin ratio leaves the field out. */
function wireStatus(s: LiveAccountStatus): WireStatus {
  return Number.isFinite(s.marginRatio) ? s : { state: s.state, excess: s.excess, reduceOnly: s.reduceOnly, thresholds: s.thresholds };
}

/** The margin answer's fields; `result` (read lazily from the engine's object) only with `explain`. */
function wireFields(m: Omit<LiveMargin, 'computedAt' | 'error'>, explain: true): Omit<WireMargin, 'computedAt' | 'error'>;
function wireFields(m: Omit<LiveMargin, 'computedAt' | 'error'>, explain: boolean): Omit<WireMargin, 'computedAt' | 'error' | 'result'> & { result: WireMargin['result'] | undefined };
function wireFields(m: Omit<LiveMargin, 'computedAt' | 'error'>, explain: boolean): Omit<WireMargin, 'computedAt' | 'error' | 'result'> & { result: WireMargin['result'] | undefined } {
  const status = wireStatus(m.status);
  return {
    accountId: m.accountId,
    initialMargin: m.initialMargin,
    maintenanceMargin: m.maintenanceMargin,
    currency: m.currency,
    // Left undefined (JSON leaves the field out) rather than spread: a spread copies the object on the hot path.
    result: explain ? m.result : undefined,
    status,
    state: m.state,
    equity: m.equity,
    stale: m.stale,
    staleUnderlyings: m.staleUnderlyings,
    asOf: m.asOf,
    ...(m.unmarginable === undefined ? {} : { unmarginable: m.unmarginable }),
    ...(m.parameterVersion === undefined ? {} : { parameterVersion: m.parameterVersion }),
  };
}

/** The store knows the account but the engine does not (yet): report it as the store would. */
export async function requireKnown(service: MarginService, id: string): Promise<void> {
  if (!service.engine.hasAccount(id)) await service.getAccount(id);
}

