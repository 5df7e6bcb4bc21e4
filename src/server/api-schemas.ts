import { z } from 'zod';
import { ModelParameterSetSchema } from '../calibration/parameter-set-file.js';
import { ParameterSetSchema as CalibratedParameterSetSchema } from '../calibration/parameter-set.js';
import { LIVE_ACCOUNT_STATES } from '../engine/account/account-state.js';
import { UnmarginableInfoSchema } from '../engine/live/engine-checkpoint.js';
import { MarketSnapshotSchema } from '../market/market-snapshot-schema.js';
import { MarketUpdateSchema } from '../market/market-update.js';
import { MarginComponentSchema, MarginResultSchema, ScenarioRefSchema } from '../models/margin-result.js';
import { OrderInputSchema, PortfolioFileSchema, PositionInputSchema } from '../portfolio/portfolio-schema.js';
import { SIMM_MPORS, SIMM_VERSIONS } from '../risk/simm/simm-parameters.js';

/**
 * Request and response schemas of the HTTP API. They validate requests (fastify-type-provider-zod) and generate
 * the OpenAPI document, and they are built from the same schemas the CLI files use (portfolio, market snapshot,
 * margin result), so a field means the same everywhere.
 */

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const ErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A stored position names its instrument (the store keeps symbols; full specs stay a CLI-file feature). */
export const StoredPositionSchema = PositionInputSchema.extend({ instrument: z.string().min(1) });

/**
 * Account ids are path parameters: at most 100 characters (fastify's path-parameter limit), not only dots (`..`
 * would be normalised away), and not a name JavaScript objects reserve (ids key records).
 */
const accountId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'expected letters, digits and . _ : - only')
  .refine((id) => !/^\.+$/.test(id), 'must not be only dots')
  .refine((id) => !RESERVED_KEYS.has(id), 'is a reserved name');

/**
 * POST /accounts: `{id, …}`, or a portfolio file as it is (docs/portfolio-format.md), whose `account` is the id.
 * Both given and different is refused naming `account`; resting orders are not kept by the service.
 */
export const CreateAccountBodySchema = z
  .strictObject({
    id: accountId.optional(),
    /** The portfolio file's name for the account id. */
    account: accountId.optional(),
    currency: PortfolioFileSchema.shape.currency,
    mode: PortfolioFileSchema.shape.mode,
    positions: z.array(StoredPositionSchema).default([]),
    collateral: PortfolioFileSchema.shape.collateral,
    /** Account-holder key that owns the account (admin only; an account holder creating an account owns it). */
    ownerKeyId: z.string().min(1).optional(),
    /** A portfolio file's resting orders: accepted only empty (the service keeps no resting orders). */
    openOrders: z.array(OrderInputSchema).max(0, 'the service keeps no resting orders: send them as trades or leave them out').optional(),
  })
  .superRefine((body, ctx) => {
    if (body.id === undefined && body.account === undefined) ctx.addIssue({ code: 'custom', path: ['id'], message: 'expected id (or account, as in a portfolio file)' });
    else if (body.id !== undefined && body.account !== undefined && body.id !== body.account) {
      ctx.addIssue({ code: 'custom', path: ['account'], message: `account "${body.account}" differs from id "${body.id}": give one, or the same in both` });
    }
  });

export const AccountSchema = z.object({
  id: z.string(),
  currency: z.string(),
  mode: z.enum(['cross', 'isolated']),
  ownerKeyId: z.string().optional(),
  createdAt: z.string(),
  positions: z.array(z.object({ instrument: z.string(), quantity: z.number(), entryPrice: z.number().optional() })),
  collateral: z.record(z.string(), z.number()),
});

export const AccountIdParamsSchema = z.strictObject({ id: accountId });

export const SetPositionsBodySchema = z.strictObject({
  /** Absolute positions; 0 removes one. Instruments not listed are left as they are. */
  positions: z.array(StoredPositionSchema).min(1),
});

export const TradeBodySchema = z.strictObject({
  /** Venue-style name; canonicalised (`btc_usdc-perpetual` is stored as `BTC_USDC-PERPETUAL`). */
  instrument: z.string().min(1).max(128),
  /** Signed contracts, buy positive. */
  quantity: z.number().finite().refine((q) => q !== 0, 'expected a non-zero quantity'),
  /** Client-chosen, unique per account: a retry with the same key and content is applied once. */
  idempotencyKey: z.string().min(1).max(200),
  /**
   * Fill price, in the instrument's quote (optional; default the engine's mark): a future or perpetual's average
   * entry price is updated with it (docs/accounts.md "Entry price"). Admin only, and within the fill-price band
   * around the mark unless `priceOverride` gives a reason (docs/service.md "Fill prices").
   */
  price: z.number().finite().positive().optional(),
  /** Why an explicit price outside the band is right (admin only; recorded in the audit log). */
  priceOverride: z.string().min(1).max(500).optional(),
});

export const TradeResultSchema = z.object({
  accountId: z.string(),
  instrument: z.string(),
  quantity: z.number(),
  idempotencyKey: z.string(),
  position: z.number(),
  at: z.string(),
  replayed: z.boolean(),
});

export const SetCollateralBodySchema = z.strictObject({
  /** Balances by currency, units of that currency; 0 removes one. Currencies not listed are left as they are. */
  collateral: z.record(z.string().min(1).max(32), z.number().finite().nonnegative()),
  /** Client-chosen, unique per account: a retry with the same key and content is applied once (like trades). */
  idempotencyKey: z.string().min(1).max(200),
});

export const CollateralListSchema = z.array(z.object({ accountId: z.string(), currency: z.string(), amount: z.number() }));

/** POST /market: a whole snapshot or a partial update (every field of an underlying optional; docs/service.md "Market input"). */
export const MarketUpdateBodySchema = MarketUpdateSchema;

export const MarketPushResultSchema = z.object({
  /** Accounts whose expired positions this update settled (docs/service.md "Expiry"). */
  settled: z.number(),
  snapshotId: z.number(),
  asOf: z.string(),
  accepted: z.array(z.string()).readonly(),
  held: z.array(z.string()).readonly(),
  recomputed: z.number(),
  events: z.number(),
});

/** AccountStatus (docs/accounts.md). `marginRatio` is absent when it is infinite (equity ≤ 0 with a margin due): JSON has no Infinity. */
const AccountStatusSchema = z.object({
  state: z.enum(LIVE_ACCOUNT_STATES),
  marginRatio: z.number().optional(),
  excess: z.number(),
  reduceOnly: z.boolean(),
  thresholds: z.object({ liquidationBelow: z.number(), marginCallBelow: z.number() }),
});

export const LiveMarginSchema = z.object({
  accountId: z.string(),
  /** The reported figures (after floors and hysteresis), in `currency`: the ones `result` explains. */
  initialMargin: z.number(),
  maintenanceMargin: z.number(),
  currency: z.string(),
  result: MarginResultSchema,
  status: AccountStatusSchema,
  state: z.enum(LIVE_ACCOUNT_STATES),
  /** Present when the engine cannot margin the account: the figures are the held last good ones (never lower). */
  unmarginable: UnmarginableInfoSchema.optional(),
  equity: z.number(),
  stale: z.boolean(),
  staleUnderlyings: z.array(z.string()).readonly(),
  asOf: z.string(),
  computedAt: z.number(),
  /** Version of the active parameter set the margin was computed with (absent: the model's defaults). */
  parameterVersion: z.string().optional(),
  error: z.string().optional(),
});

export const WhatIfBodySchema = z.strictObject({
  /** Hypothetical trades, signed contracts (buy positive). */
  trades: z.array(OrderInputSchema).min(1),
  /**
   * Also answer `result`, the model's explanation of the after-state (components, worst scenario, contributions).
   * Off by default: a pre-trade check needs the figures, and the explanation is most of the answer's bytes.
   */
  explain: z.boolean().optional(),
});

/** One side of a what-if, in the account's currency (the reported figures: after floors and hysteresis). */
const WhatIfSideSchema = z.object({
  initialMargin: z.number(),
  maintenanceMargin: z.number(),
  equity: z.number(),
  /** Equity − initial margin. */
  excess: z.number(),
  state: z.enum(LIVE_ACCOUNT_STATES),
});

/**
 * The top-level fields are the after-state (kept for older clients); `before`, `after` and `change` are computed
 * on one market snapshot, the one `asOf` names, so `change` is `after − before` exactly and only the trades' effect.
 */
export const WhatIfResultSchema = LiveMarginSchema.omit({ computedAt: true, error: true }).extend({
  /** The model's explanation of the after-state, only when the request asked for it (`explain: true`). */
  result: MarginResultSchema.optional(),
  positions: z.array(z.looseObject({ quantity: z.number() })),
  /** Value of the traded quantities at the mark (option premiums, spot), taken out of equity; account currency. */
  tradeValue: z.number(),
  /** P&L the trades realise on futures and perpetuals from their entry prices (kept in equity); account currency. */
  realisedPnl: z.number(),
  before: WhatIfSideSchema,
  after: WhatIfSideSchema,
  change: z.object({
    initialMargin: z.number(),
    maintenanceMargin: z.number(),
    equity: z.number(),
    excess: z.number(),
    state: z.object({ before: z.enum(LIVE_ACCOUNT_STATES), after: z.enum(LIVE_ACCOUNT_STATES) }),
  }),
});

export const MaxOrderQuerySchema = z.strictObject({
  instrument: z.string().min(1),
  side: z.enum(['buy', 'sell']),
});

export const MaxOrderResultSchema = z.object({
  accountId: z.string(),
  instrument: z.string(),
  side: z.enum(['buy', 'sell']),
  quantity: z.number(),
  position: z.number(),
  precision: z.number(),
  unbounded: z.boolean(),
  reason: z.string(),
  parameterVersion: z.string().optional(),
});

/**
 * POST /parameter-sets: `{model, version, params}`, or the file `crossmargin calibrate --out` writes as it is (its
 * scan ranges become the params of `?model=`, default the service's model; its version is the set's version).
 */
export const ParameterSetBodySchema = z.union([ModelParameterSetSchema, CalibratedParameterSetSchema]);

export const ParameterSetQuerySchema = z.strictObject({
  /** The model a calibrated set (which names none) is for: span, tims or scenario-grid. */
  model: z.string().min(1).optional(),
});

export const ParameterSetSchema = z.object({
  model: z.string(),
  version: z.string(),
  json: z.unknown(),
  uploadedAt: z.string(),
  active: z.boolean(),
});

export const ParameterSetParamsSchema = z.strictObject({ model: z.string().min(1), version: z.string().min(1) });

const isoTime = z.iso.datetime({ offset: true });
const cursor = z.coerce.number().int().nonnegative();

export const EventsQuerySchema = z.strictObject({
  accountId: z.string().min(1).optional(),
  since: isoTime.optional(),
  afterId: cursor.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const EventSchema = z.object({ id: z.number(), accountId: z.string(), type: z.string(), payload: z.unknown(), at: z.string() });

export const AuditQuerySchema = z.strictObject({
  keyId: z.string().min(1).optional(),
  since: isoTime.optional(),
  afterId: cursor.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const AuditSchema = z.object({ id: z.number(), keyId: z.string(), action: z.string(), target: z.string(), payload: z.unknown(), at: z.string() });

export const CreateKeyBodySchema = z.strictObject({
  role: z.enum(['admin', 'risk-officer', 'account-holder']),
  accountIds: z.array(z.string().min(1)).optional(),
  label: z.string().max(200).optional(),
});

export const ApiKeySchema = z.object({
  id: z.string(),
  role: z.enum(['admin', 'risk-officer', 'account-holder']),
  accountIds: z.array(z.string()).readonly(),
  label: z.string().optional(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});

export const CreatedKeySchema = z.object({ record: ApiKeySchema, plaintext: z.string() });

export const KeyIdParamsSchema = z.strictObject({ id: z.string().min(1) });

export const HealthSchema = z.object({ status: z.literal('ok'), store: z.string(), model: z.string().optional(), accounts: z.number(), marketAsOf: z.string().optional() });

// ---- liquidation (docs/service.md "Liquidation") -------------------------------------------------------------------

/** One slice of a liquidation plan (engine/liquidation/liquidation-plan.ts LiquidationSlice): expected figures. */
export const LiquidationSliceSchema = z.object({
  index: z.number().int(),
  instrument: z.string(),
  kind: z.enum(['spot', 'future', 'perpetual', 'option']),
  settlement: z.enum(['linear', 'inverse']),
  /** Contract size (linear: underlying units; inverse delta-one: USD face; options: coins). */
  multiplier: z.number(),
  positionBefore: z.number(),
  /** Signed contracts traded (a long is closed by a negative quantity). */
  quantity: z.number(),
  positionAfter: z.number(),
  /** Mark at planning, `priceCurrency` (option: premium per contract). */
  markPrice: z.number(),
  /** Price concession against the holder, fraction of the mark. */
  impact: z.number(),
  priceCurrency: z.string(),
  settlementCurrency: z.string(),
  entryPrice: z.number().optional(),
  /** Balance the slice's cash moves. */
  cashCurrency: z.string(),
  settlementToCash: z.number(),
  cashToAccount: z.number(),
  expected: z.object({
    price: z.number(),
    /** `cashCurrency`: realised P&L from entry (or the mark), premium or proceeds, less the penalty. */
    cashDelta: z.number(),
    penaltyCash: z.number(),
    /** Account currency from here on. */
    realisedPnl: z.number(),
    penalty: z.number(),
    equityAfter: z.number(),
    maintenanceMarginAfter: z.number(),
    initialMarginAfter: z.number().optional(),
  }),
});

const PlanPositionSchema = z.object({ instrument: z.string(), quantity: z.number(), entryPrice: z.number().optional() });

/** A liquidation plan: every figure is expected at planning time (`figures: "expected"`); amounts in `currency`. */
export const LiquidationPlanSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  accountId: z.string(),
  currency: z.string(),
  model: z.string(),
  /** asOf of the market the plan was computed on. */
  asOf: z.string(),
  figures: z.literal('expected'),
  note: z.string(),
  rule: z.object({
    kind: z.enum(['venue', 'default']),
    model: z.string(),
    asOf: z.string(),
    source: z.string(),
    /** The rule's settings (the venue's LiquidationRule, or the default rule's). */
    settings: z.record(z.string(), z.unknown()),
  }),
  /** `venue`: the venue rule's equity; `account`: the engine's account equity (haircuts, entry prices). */
  equityBasis: z.enum(['venue', 'account']),
  start: z.object({
    equity: z.number(),
    maintenanceMargin: z.number(),
    initialMargin: z.number().optional(),
    liquidationBelow: z.number(),
    liquidatable: z.boolean(),
    positions: z.array(PlanPositionSchema),
    collateral: z.record(z.string(), z.number()),
  }),
  slices: z.array(LiquidationSliceSchema),
  stoppedBy: z.enum(['not-liquidatable', 'healthy', 'book-empty', 'max-steps']),
  expected: z.object({
    equity: z.number(),
    maintenanceMargin: z.number(),
    stopLevel: z.number(),
    realisedPnl: z.number(),
    penalties: z.number(),
    equityAfterInsurance: z.number(),
    positions: z.array(PlanPositionSchema),
    /** Signed: a negative balance is what the account is expected not to be able to pay. */
    collateral: z.record(z.string(), z.number()),
  }),
  insuranceFund: z.object({ before: z.number(), penaltiesReceived: z.number(), cover: z.number(), after: z.number() }),
  badDebt: z.number(),
});

/** One applied slice (or collateral conversion, `slice` ≥ the plan's slice count: quantity 0, price = the rate to the account currency). */
export const LiquidationFillSchema = z.object({
  slice: z.number().int(),
  instrument: z.string(),
  quantity: z.number(),
  price: z.number(),
  cashDelta: z.number(),
  cashCurrency: z.string(),
  fundReceived: z.number(),
  position: z.number(),
  balance: z.number(),
  at: z.string(),
});

/** What completing the plan recorded (liquidation-driver.ts LiquidationOutcome); amounts in `currency`. */
export const LiquidationOutcomeSchema = z.object({
  result: z.enum(['healthy', 'margin-call', 'book-empty', 'still-in-liquidation', 'nothing-to-close', 'unmarginable']),
  state: z.string().optional(),
  equity: z.number().optional(),
  maintenanceMargin: z.number().optional(),
  currency: z.string(),
  slicesPlanned: z.number(),
  slicesApplied: z.number(),
  slicesSkipped: z.number(),
  unpaid: z.number(),
  paidFromCollateral: z.number(),
  deficit: z.number(),
  /** The fund's cover, in `insuranceFund.currency`. */
  insuranceFund: z.object({ currency: z.string(), before: z.number(), cover: z.number(), after: z.number() }),
  badDebt: z.number(),
  executor: z.string(),
});

/** GET /accounts/:id/liquidation-plan: the account's latest plan, its status, the fills applied so far and the outcome. */
export const LiquidationPlanViewSchema = z.object({
  status: z.enum(['active', 'completed', 'cancelled']),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  plan: LiquidationPlanSchema,
  fills: z.array(LiquidationFillSchema),
  outcome: LiquidationOutcomeSchema.optional(),
});

// ---- SIMM (POST /accounts/:id/simm) ---------------------------------------------------------------------------

/**
 * POST /accounts/:id/simm. The body limit is the service's (`bodyLimit`, 1 MiB by default: about 12,000 CRIF rows):
 * reading and computing run on the event loop (about 35 µs a row to read, measured on 100,000 rows), so a larger
 * file would hold every other request for seconds. Bigger books: `crossmargin simm` on the file.
 */
export const SimmBodySchema = z.strictObject({
  /** The CRIF file's text, CSV or TSV (docs/crif-format.md); errors name `crif`, the row and the column. */
  crif: z.string().min(1),
  /** ISDA SIMM version of the parameters; a version the service does not bundle is 422 MODEL_PARAMS_INVALID. */
  version: z.enum(SIMM_VERSIONS).default('2.6'),
  /** Margin period of risk. */
  mpor: z.enum(SIMM_MPORS).default('10d'),
});

/**
 * One node of the SIMM tree (src/risk/simm/simm-node.ts), recursive: zod 4 reads `children` through a getter. The id
 * makes it the OpenAPI component `SimmNode`, which its children reference (http-face.ts emits registered components).
 */
export const SimmNodeSchema = z
  .object({
    name: z.string(),
    level: z.enum(['total', 'product-class', 'risk-class', 'margin-type', 'bucket']),
    /** Margin of the node, USD. */
    amount: z.number(),
    get children(): z.ZodArray<typeof SimmNodeSchema> {
      return z.array(SimmNodeSchema);
    },
  })
  .meta({ id: 'SimmNode', description: 'A node of the SIMM tree: total → product class → risk class → margin type → bucket; amount in USD' });

export const SimmAnswerSchema = z.object({
  accountId: z.string(),
  /** Total initial margin, USD: the tree's root amount. */
  total: z.number(),
  currency: z.literal('USD'),
  /** total → product class → risk class → margin type → bucket. */
  tree: SimmNodeSchema,
  version: z.enum(SIMM_VERSIONS),
  mpor: z.enum(SIMM_MPORS),
  /** CRIF rows read. */
  rows: z.number().int(),
  computedAt: z.string(),
  /** The result is not stored: it is computed on upload (docs/service.md "SIMM"). */
  stored: z.literal(false),
  licence: z.string(),
});

/**
 * POST /span/margin (docs/service.md "SPAN files"). The body limit is the service's (`bodyLimit`, 1 MiB by default):
 * import and margin run on the event loop. Exchanges' daily files are hundreds of MB: those go through
 * `crossmargin margin --span-file`, which streams them.
 */
export const SpanMarginBodySchema = z.strictObject({
  /** The SPAN file's text: CME XML (`.spn`), CME positional (`.pa2`) or the engine's JSON (docs/span-import.md). */
  file: z.string().min(1),
  /** The file's format; default: detected from the content (`<` XML, `{` JSON, anything else positional). */
  format: z.enum(['spn', 'pa2', 'json']).optional(),
  /** A market snapshot (docs/market-data.md); default: none needed, the file's business date and FX rates. */
  market: MarketSnapshotSchema.optional(),
  /** The portfolio, as a portfolio file (docs/portfolio-format.md), instruments named as the import names them. */
  portfolio: PortfolioFileSchema,
});

export const SpanMarginAnswerSchema = z.object({
  initialMargin: z.number().nonnegative(),
  maintenanceMargin: z.number().nonnegative(),
  /** The portfolio's currency: the margins and components are in it. */
  currency: z.string(),
  components: z.array(MarginComponentSchema),
  worstScenario: ScenarioRefSchema.optional(),
  /** What the import read and could not map (docs/span-import.md "What is not mapped"). */
  report: z.object({
    format: z.enum(['spn', 'pa2', 'json']),
    /** Records (pa2 lines) or elements (XML) read; 0 for JSON. */
    records: z.number().int(),
    exchanges: z.array(z.string()).readonly(),
    unmapped: z.array(z.object({ item: z.string(), count: z.number().int(), reason: z.string() })).readonly(),
  }),
});
