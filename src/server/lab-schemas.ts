import { z } from 'zod';

/** Query and response schemas of the model lab (lab-routes.ts, docs/dashboard.md "Model lab"). */

const idList = (example: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, `expected a comma-separated list, e.g. ${example}`)
    .transform((s) => s.split(','));

const intInRange = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const BacktestQuerySchema = z.strictObject({
  /** Account whose book is backtested (positions and collateral as held now). */
  account: z.string().min(1),
  models: idList('scenario-grid,hs-var').default(['scenario-grid']),
  /** Decision days (aligned history days) ending `horizon` days before the market date. */
  days: intInRange(20, 2500, 250),
  /** Days over which realised P&L is measured (the MPOR). */
  horizon: intInRange(1, 30, 1),
  coverage: z.coerce.number().gt(0.5).lt(1).default(0.99),
});

export const LabBacktestSchema = z.object({
  account: z.string(),
  from: z.string(),
  to: z.string(),
  horizon: z.number(),
  coverage: z.number(),
  verdict: z.string(),
  models: z.array(
    z.object({
      model: z.string(),
      dates: z.array(z.string()),
      /** Initial margin set at each decision close, account currency. */
      initialMargin: z.array(z.number()),
      /** Realised P&L over the following `horizon` days, gain positive. */
      pnl: z.array(z.number()),
      exceptions: z.array(z.boolean()),
      /** BacktestSummary (Kupiec POF/TUFF, Christoffersen, traffic light, Acerbi–Szekely, coverage ratio, procyclicality). */
      summary: z.record(z.string(), z.unknown()),
    }),
  ),
  ranking: z.array(z.object({ model: z.string(), adequate: z.boolean(), averageMargin: z.number(), peakToTrough: z.number().optional() })),
});
export type LabBacktest = z.infer<typeof LabBacktestSchema>;

export const CalibrationQuerySchema = z.strictObject({
  underlyings: idList('BTC,ETH').default(['BTC', 'ETH']),
  /** Number of calibrations, `step` aligned days apart, the last on the market date. */
  points: intInRange(2, 60, 12),
  step: intInRange(1, 365, 30),
  lookback: intInRange(100, 2000, 500),
});

export const LabCalibrationSchema = z.object({
  dates: z.array(z.string()),
  lookback: z.number(),
  underlyings: z.array(
    z.object({
      underlying: z.string(),
      /** EWMA vol forecast and the lookback's realised vol, annualised decimals. */
      ewmaAnnualisedVol: z.array(z.number()),
      lookbackAnnualisedVol: z.array(z.number()),
      /** Price scan range (relative move) without and with anti-procyclicality; vol scan range in vol points (decimal). */
      priceScanRange: z.array(z.number()),
      priceScanRangeApc: z.array(z.number()),
      volScanRange: z.array(z.number()),
    }),
  ),
  signals: z.array(z.record(z.string(), z.unknown())),
});
export type LabCalibration = z.infer<typeof LabCalibrationSchema>;

export const LabStressSchema = z.object({
  asOf: z.string(),
  model: z.string(),
  scenarios: z.array(z.object({ id: z.string(), label: z.string(), kind: z.string() })),
  accounts: z.array(
    z.object({
      accountId: z.string(),
      equity: z.number(),
      /** Initial margin under the service's model, account currency. */
      margin: z.number(),
      /** Loss per scenario (positive = loss), in scenario order. */
      losses: z.array(z.number()),
      /** max(0, loss − equity) per scenario: what the account could not pay. */
      deficits: z.array(z.number()),
    }),
  ),
  /** Default-fund cover over the library: loss beyond margin of the largest one and two members (accounts). */
  cover: z.object({ cover1: z.number(), cover2: z.number(), scenario: z.string().optional(), members: z.array(z.string()) }),
});
export type LabStress = z.infer<typeof LabStressSchema>;

const ReverseMoveSchema = z.object({
  reachable: z.boolean(),
  /** Relative price move per underlying (−0.42 = price × 0.58). */
  moves: z.record(z.string(), z.number()),
  /** P&L at the move, account currency (−equity when reachable). */
  pnl: z.number(),
  /** Distance in horizon standard deviations under the covariance, when one is available. */
  mahalanobis: z.number().optional(),
});

export const ReverseStressSchema = z.object({
  accountId: z.string(),
  currency: z.string(),
  /** Equity today (collateral, option premiums, spot, unrealised P&L; no haircuts: docs/stress-testing.md). */
  equity: z.number(),
  underlyings: z.array(z.string()),
  /** The adverse first-order direction searched (max |d| = 1) and the move along it that exhausts equity. */
  direction: z.record(z.string(), z.number()),
  directional: ReverseMoveSchema,
  /** The most likely move that exhausts equity (minimum Mahalanobis distance), with the covariance behind it. */
  mostLikely: ReverseMoveSchema.extend({ converged: z.boolean() }).optional(),
  covariance: z.object({ horizonDays: z.number(), from: z.string(), to: z.string(), days: z.number() }).optional(),
  mostLikelyError: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ReverseStress = z.infer<typeof ReverseStressSchema>;
