import { z } from 'zod';

/**
 * What the store accepts, checked before any SQL runs, so bad input is a coded error naming the field and never a
 * database error or a partial write. The server validates requests with its own schemas; these are the last guard.
 */

const Text = z.string().min(1).max(512);

/** Any parseable date-time, normalised to ISO UTC so that stored timestamps sort as text. */
export const TimestampSchema = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time')
  .transform((s) => new Date(s).toISOString());

/** A value that survives JSON (`undefined` and functions do not). */
export const JsonValueSchema = z.unknown().refine((v) => v !== undefined && JSON.stringify(v) !== undefined, 'expected a JSON value');

export const NewAccountSchema = z.strictObject({
  id: Text,
  currency: Text,
  mode: z.enum(['cross', 'isolated']),
  ownerKeyId: Text.optional(),
  /** Written with the account, in its transaction. */
  positions: z.array(z.strictObject({ instrument: Text, quantity: z.number().finite(), entryPrice: z.number().finite().positive().optional() })).optional(),
  collateral: z.record(Text, z.number().finite().nonnegative()).optional(),
});

/** Average entry price of a future or perpetual (portfolio-schema.ts), in its quote. */
const EntryPrice = z.number().finite().positive();

export const PositionSchema = z.strictObject({
  accountId: Text,
  instrument: Text,
  quantity: z.number().finite(),
  entryPrice: EntryPrice.optional(),
});

export const TradeSchema = z.strictObject({
  accountId: Text,
  instrument: Text,
  quantity: z.number().finite(),
  idempotencyKey: Text,
  /** Entry price of the position after the trade (the service averages it, entryAfterTrade); absent: none. */
  entryPrice: EntryPrice.optional(),
});

export const CollateralSchema = z.strictObject({
  accountId: Text,
  currency: Text,
  amount: z.number().finite().nonnegative(),
});

export const MarketSnapshotInputSchema = z.strictObject({ asOf: TimestampSchema, json: JsonValueSchema, engineState: JsonValueSchema.optional() });

export const CollateralChangeSchema = z.strictObject({
  accountId: Text,
  balances: z.record(Text, z.number().finite().nonnegative()),
  idempotencyKey: Text,
});

export const ParameterSetInputSchema = z.strictObject({ model: Text, version: Text, json: JsonValueSchema });

export const EventInputSchema = z.strictObject({
  accountId: Text,
  type: z.enum(['margin-call', 'liquidation', 'state-transition', 'stale']),
  payload: JsonValueSchema,
  at: TimestampSchema,
});

export const AuditInputSchema = z.strictObject({
  keyId: Text,
  action: Text,
  target: z.string().max(512),
  payload: JsonValueSchema,
  at: TimestampSchema,
});

const Cursor = {
  since: TimestampSchema.optional(),
  afterId: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().optional(),
};

export const EventQuerySchema = z.strictObject({ accountId: Text.optional(), ...Cursor });

export const AuditQuerySchema = z.strictObject({ keyId: Text.optional(), ...Cursor });

export const ApiKeyInputSchema = z
  .strictObject({
    role: z.enum(['admin', 'risk-officer', 'account-holder']),
    accountIds: z.array(Text).optional(),
    label: z.string().max(512).optional(),
  })
  .refine((k) => k.role === 'account-holder' || (k.accountIds ?? []).length === 0, {
    path: ['accountIds'],
    message: 'only an account-holder key owns accounts',
  });

/**
 * An account's current-state row (store.ts AccountStateRecord). `asOf` names a market ('' before any): it must parse
 * as a date-time but is kept as written, so that a restored row names its market exactly as the market file does.
 */
export const AccountStateSchema = z.strictObject({
  accountId: Text,
  state: z.enum(['healthy', 'margin-call', 'liquidation', 'unmarginable']),
  initialMargin: z.number().finite().nonnegative(),
  maintenanceMargin: z.number().finite().nonnegative(),
  equity: z.number().finite(),
  currency: Text,
  asOf: z.string().refine((s) => s === '' || !Number.isNaN(Date.parse(s)), "expected '' or an ISO 8601 date-time"),
  unmarginable: z.strictObject({ reason: z.string(), code: Text, field: z.string().optional(), since: z.number().finite() }).optional(),
  updatedAt: TimestampSchema,
});

export const LiquidationPlanInputSchema = z.strictObject({ id: Text, accountId: Text, json: JsonValueSchema, createdAt: TimestampSchema });

export const LiquidationFillSchema = z.strictObject({
  planId: Text,
  accountId: Text,
  slice: z.number().int().nonnegative().max(2_147_483_647),
  instrument: Text,
  quantity: z.number().finite(),
  price: z.number().finite(),
  cashDelta: z.number().finite(),
  cashCurrency: Text,
  fundReceived: z.number().finite().nonnegative(),
  at: TimestampSchema,
});

export const LiquidationCompletionSchema = z.strictObject({
  planId: Text,
  status: z.enum(['completed', 'cancelled']),
  outcome: JsonValueSchema,
  at: TimestampSchema,
  fundCover: z
    .strictObject({ currency: Text, amount: z.number().finite().nonnegative(), badDebt: z.number().finite().nonnegative() })
    .optional(),
});

export const InsuranceFundEntrySchema = z.strictObject({
  currency: Text,
  amount: z.number().finite(),
  accountId: Text.optional(),
  planId: Text.optional(),
  reason: Text,
  at: TimestampSchema,
});

export const InsuranceFundQuerySchema = z.strictObject({
  accountId: Text.optional(),
  afterId: Cursor.afterId,
  limit: Cursor.limit,
});
