import { z } from 'zod';
import { CrossmarginError, ERROR_CATALOGUE, toCrossmarginError, type ErrorCode } from '../../core/errors.js';
import { instrumentSymbol } from '../../engine/live/apply-trades.js';
import type { LiveEngine } from '../../engine/live/live-engine.js';
import { MaxOrderQuerySchema, WhatIfBodySchema } from '../api-schemas.js';
import type { MarketHistory } from '../../scenarios/history/market-history.js';
import { compareOf, profileOf } from '../dashboard-routes.js';
import { maxOrderAnswer, notFound, whatIfWithBefore } from '../margin-service.js';
import { wireWhatIf } from '../route-helpers.js';

/**
 * What a gateway asks of a partition's owner (docs/scale-out.md "Engine routes"): the routes that need the account's
 * engine state, which only its owner holds. Sent over core NATS request–reply (JetStreamBus.request); nothing is
 * stored and nothing changes.
 */
export const EngineRequestSchema = z.discriminatedUnion('op', [
  WhatIfBodySchema.extend({ op: z.literal('what-if'), accountId: z.string().min(1) }),
  MaxOrderQuerySchema.extend({ op: z.literal('max-order'), accountId: z.string().min(1) }),
  // The account's positions and collateral as its owner holds them (GET /accounts/:id).
  z.strictObject({ op: z.literal('account'), accountId: z.string().min(1) }),
  // ProfileQuerySchema's output (the gateway parsed the query string).
  z.strictObject({
    op: z.literal('profile'),
    accountId: z.string().min(1),
    underlyings: z.array(z.string().min(1)).min(1).optional(),
    priceMoves: z.array(z.number().finite()).min(1).optional(),
    volMoves: z.array(z.number().finite()).min(1).optional(),
  }),
  z.strictObject({ op: z.literal('compare'), accountId: z.string().min(1) }),
]);
export type EngineRequest = z.output<typeof EngineRequestSchema>;

/** What the owner answers to `account`: the account's book as its engine holds it (AccountSchema's engine part). */
export interface AccountHoldings {
  readonly positions: { instrument: string; quantity: number; entryPrice?: number }[];
  readonly collateral: Record<string, number>;
}

/** History for the comparisons (dashboard-routes.ts catalogueLoader). */
export type HistoryLoader = (underlyings: readonly string[]) => MarketHistory;

/** The owner's answer: the route's answer as the single-process service gives it, or its coded error. */
export type EngineAnswer = { readonly ok: true; readonly answer: unknown } | { readonly ok: false; readonly code: string; readonly message: string; readonly field?: string; readonly details?: Record<string, unknown> };

/**
 * Answers an engine request on `engine`, the owner's: the same computation as the single-process routes
 * (`POST /accounts/:id/what-if`, `GET /accounts/:id/max-order`, `GET /accounts/:id/profile`,
 * `GET /accounts/:id/compare`, the book of `GET /accounts/:id`). `owns(accountId)` says whether this worker owns the
 * account's partition with its state complete (not while a takeover is replaying): otherwise UNAVAILABLE, for the
 * gateway to retry on the next owner. An error is answered coded, never thrown.
 */
export function answerEngineRequest(engine: LiveEngine, owns: (accountId: string) => boolean, body: unknown, history: HistoryLoader): EngineAnswer {
  try {
    const parsed = EngineRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CrossmarginError('SCHEMA_INVALID', `engine request: ${issue?.message ?? 'invalid'}`, { field: issue?.path.join('.') ?? 'op' });
    }
    const request = parsed.data;
    if (!owns(request.accountId)) throw new CrossmarginError('UNAVAILABLE', `account "${request.accountId}": its partition is moving to another worker; retry`, { field: 'accountId' });
    if (!engine.hasAccount(request.accountId)) throw notFound(request.accountId);
    switch (request.op) {
      case 'what-if': {
        const { before, after } = whatIfWithBefore(engine, request.accountId, request.trades);
        return { ok: true, answer: wireWhatIf(after, before, request.explain === true) };
      }
      case 'max-order':
        return { ok: true, answer: maxOrderAnswer(engine, request.accountId, request.instrument, request.side) };
      case 'account': {
        const doc = engine.account(request.accountId);
        const positions = doc.positions.map((p, i) => ({
          instrument: instrumentSymbol(p.instrument, `positions.${i}.instrument`),
          quantity: p.quantity,
          ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }),
        }));
        return { ok: true, answer: { positions, collateral: { ...doc.collateral } } satisfies AccountHoldings };
      }
      case 'profile':
        return { ok: true, answer: profileOf(engine, request.accountId, request) };
      case 'compare':
        return { ok: true, answer: compareOf(engine, request.accountId, history) };
    }
  } catch (error) {
    const e = toCrossmarginError(error);
    return { ok: false, code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }), ...(e.details === undefined ? {} : { details: { ...e.details } }) };
  }
}

/** The owner's answer as the gateway gives it: the answer, or its error (a code outside the catalogue is internal). */
export function answerOf(answer: EngineAnswer): unknown {
  if (answer.ok) return answer.answer;
  const code: ErrorCode = answer.code in ERROR_CATALOGUE ? (answer.code as ErrorCode) : 'INTERNAL';
  throw new CrossmarginError(code, answer.message, { ...(answer.field === undefined ? {} : { field: answer.field }), ...(answer.details === undefined ? {} : { details: answer.details }) });
}
