import { z } from 'zod';
import { LIVE_ACCOUNT_STATES } from '../engine/account/account-state.js';
import { MarginComponentSchema, ScenarioRefSchema } from '../models/margin-result.js';

/**
 * Schemas of the read-only views the dashboard needs (docs/dashboard.md): the overview's margin summaries, the
 * account page's scenario P&L profile and model comparison, and the current market. Same rules as api-schemas.ts:
 * they validate and document (OpenAPI) what the routes return.
 */

/** One row of the overview: amounts in the account currency. Absent numbers: the account has no margin yet (`error`). */
export const MarginSummarySchema = z.object({
  accountId: z.string(),
  currency: z.string().optional(),
  mode: z.enum(['cross', 'isolated']).optional(),
  equity: z.number().optional(),
  initialMargin: z.number().optional(),
  maintenanceMargin: z.number().optional(),
  /** initial margin / equity; absent when equity ≤ 0 (the account is then in liquidation). */
  utilisation: z.number().optional(),
  /** maintenance / equity (AccountStatus.marginRatio); absent when infinite. */
  marginRatio: z.number().optional(),
  excess: z.number().optional(),
  /** `unmarginable` (shown in red): the engine cannot margin the account; the figures, if any, are the held last good ones. */
  state: z.enum(LIVE_ACCOUNT_STATES).optional(),
  /** Why the account is unmarginable. */
  reason: z.string().optional(),
  stale: z.boolean().optional(),
  asOf: z.string().optional(),
  parameterVersion: z.string().optional(),
  /** Why there is no margin (no market yet, an underlying missing from it). */
  error: z.string().optional(),
});
export type MarginSummary = z.infer<typeof MarginSummarySchema>;

const moveList = z
  .string()
  .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?)*$/, 'expected comma-separated decimal fractions, e.g. -0.2,0,0.2')
  .transform((s) => s.split(',').map(Number));

export const ProfileQuerySchema = z.strictObject({
  /** Underlyings moved together (comma-separated); default: every underlying the account is exposed to. */
  underlyings: z
    .string()
    .regex(/^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$/, 'expected comma-separated underlyings, e.g. BTC,ETH')
    .transform((s) => s.split(','))
    .optional(),
  /** Price moves (fractions of the index); default −30 % … +30 % in 2.5 % steps. */
  priceMoves: moveList.optional(),
  /** Vol moves (fractions of the vol level); default −30 %, −15 %, 0, +15 %, +30 %. */
  volMoves: moveList.optional(),
});

const LiquidationSchema = z.object({
  underlying: z.string().optional(),
  index: z.number().optional(),
  price: z.number().optional(),
  below: z.number().optional(),
  above: z.number().optional(),
  reason: z.string().optional(),
});

export const ProfileSchema = z.object({
  accountId: z.string(),
  model: z.string(),
  currency: z.string(),
  asOf: z.string(),
  underlyings: z.array(z.string()),
  priceMoves: z.array(z.number()),
  volMoves: z.array(z.number()),
  /** pnl[v][p], account currency, gain positive. */
  pnl: z.array(z.array(z.number())),
  worst: z.object({ priceMove: z.number(), volMove: z.number(), pnl: z.number() }),
  /** The scenario the margin model found worst (its own scenario set, not this grid). */
  modelWorst: ScenarioRefSchema.optional(),
  liquidation: LiquidationSchema,
});

/** How exact a model's figures are (models/model-fidelity.ts); `tag` is what a table shows ("" when exact). */
export const FidelitySchema = z.object({
  level: z.enum(['exact', 'approximation', 'reconstruction', 'placeholder']),
  note: z.string(),
  tag: z.string(),
});

export const ModelComparisonSchema = z.object({
  accountId: z.string(),
  asOf: z.string(),
  /** The model the service margins with. */
  liveModel: z.string(),
  models: z.array(
    z.object({
      model: z.string(),
      description: z.string(),
      fidelity: FidelitySchema,
      currency: z.string().optional(),
      initialMargin: z.number().optional(),
      maintenanceMargin: z.number().optional(),
      /** The model's margin components (its waterfall). */
      components: z.array(MarginComponentSchema).optional(),
      /** Why this model gave no margin for this book (instruments it has no rules for, missing history, …). */
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});

export const CurrentMarketSchema = z.object({
  asOf: z.string(),
  underlyings: z.array(z.object({ name: z.string(), index: z.number(), atmVol: z.number().optional() })),
});

export const ModelListSchema = z.array(z.object({ id: z.string(), description: z.string(), fidelity: FidelitySchema.omit({ tag: true }) }));
