import { z } from 'zod';
import { LIVE_ACCOUNT_STATES } from '../engine/account/account-state.js';
import { UnmarginableInfoSchema } from '../engine/live/engine-checkpoint.js';
import { MarketUpdateSchema } from '../market/market-update.js';
import { MarginResultSchema } from '../models/margin-result.js';
import { OrderInputSchema, PortfolioFileSchema, PositionInputSchema } from '../portfolio/portfolio-schema.js';

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

export const CreateAccountBodySchema = z.strictObject({
  id: accountId,
  currency: PortfolioFileSchema.shape.currency,
  mode: PortfolioFileSchema.shape.mode,
  positions: z.array(StoredPositionSchema).default([]),
  collateral: PortfolioFileSchema.shape.collateral,
  /** Account-holder key that owns the account (admin only; an account holder creating an account owns it). */
  ownerKeyId: z.string().min(1).optional(),
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
});

export const WhatIfResultSchema = LiveMarginSchema.omit({ computedAt: true, error: true }).extend({
  positions: z.array(z.looseObject({ quantity: z.number() })),
  tradeValue: z.number(),
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

export const ParameterSetBodySchema = z.strictObject({
  model: z.string().min(1),
  version: z.string().min(1).max(128),
  /** The model's parameters document (validated by the model's schema). */
  params: z.record(z.string(), z.unknown()),
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
