import { z } from 'zod';

/**
 * The SPAN risk-parameter file in JSON (docs/span-file-format.md). It mirrors the CME XML (`.spn`, span.md §8):
 * `ccDef` → `combinedCommodities[]` with tiers, `dSpread` → `intraSpreads`, `interSpreads` → `interSpreads`, and
 * each contract's `ra` (16 loss-positive values `a` per ONE LONG contract, as CME publishes them, plus the
 * composite delta `d`). The loader converts arrays to engine sign once: pnl[s] = −a[s] × 10^riskExponent.
 * The same combined-commodity block (without contracts) configures SPAN with arrays computed by our pricer.
 */
const finite = z.number().finite();
const positive = finite.positive();
const period = z.string().regex(/^\d{6}$/, 'expected a contract period YYYYMM');

/** A tier covers contract periods start..end inclusive (XML scanTiers/intraTiers/interTiers `tier{tn, sPe, ePe}`). */
const TierSchema = z.strictObject({ tier: z.number().int().positive(), startPeriod: period, endPeriod: period });

const IntraLegSchema = z
  .strictObject({ tier: z.number().int().positive().optional(), period: period.optional(), ratio: positive, side: z.enum(['A', 'B']) })
  .refine((l) => (l.tier === undefined) !== (l.period === undefined), 'a leg names exactly one of tier (tLeg) or period (pLeg)');

export const CombinedCommodityDefSchema = z.strictObject({
  cc: z.string().min(1),
  currency: z.string().min(1).default('USD'),
  /** Arrays are raised by 10^riskExponent (Type 2 record; XML ccDef/riskExponent). */
  riskExponent: z.number().int().default(0),
  wfprMethod: z.enum(['NORMAL', 'SCANRANGE', 'SCANRANGE_CAP']).default('NORMAL'),
  /** Price scan range per unit of delta (outright margin of one future), CC currency; one value, or one per inter tier. */
  priceScanRange: z.union([positive, z.array(positive).min(1)]).optional(),
  scanTiers: z.array(TierSchema).default([]),
  intraTiers: z.array(TierSchema).default([]),
  interTiers: z.array(TierSchema).default([]),
  intraSpreads: z.array(z.strictObject({ priority: z.number().int(), chargeRate: finite.nonnegative(), legs: z.array(IntraLegSchema).min(2) })).default([]),
  /** Delivery-month charges (Type 4 method 10): contracts in these periods are in delivery. */
  deliveryRates: z.array(z.strictObject({ period, spreadCharge: finite.nonnegative(), outrightCharge: finite.nonnegative() })).default([]),
  somRate: finite.nonnegative().default(0),
  /** 'sum' = rate × (short calls + short puts) (CME "original"); 'max' = rate × max(short calls, short puts). */
  somMethod: z.enum(['sum', 'max']).default('sum'),
  initialToMaintenance: z
    .strictObject({ member: finite.min(1), hedger: finite.min(1), speculator: finite.min(1) })
    .default({ member: 1, hedger: 1, speculator: 1.1 }),
  /** "Limits on Available Net Option Value" (XML ccDef/capAnov): the CC's positive NOV offsets only its own risk. Absent = false. */
  capAnov: z.boolean().optional(),
});

export const SpanFileContractSchema = z.strictObject({
  /** The symbol portfolios use for this contract. */
  symbol: z.string().min(1),
  kind: z.enum(['future', 'option', 'physical']),
  right: z.enum(['call', 'put']).optional(),
  strike: positive.optional(),
  period,
  /** Settlement price and contract value factor: NOV value = price × cvf (premium-style options). */
  price: finite.default(0),
  cvf: positive.default(1),
  /** 'premium' options enter NOV; 'futures' style options do not (Type 2 "option margin style"). */
  optionStyle: z.enum(['premium', 'futures']).default('premium'),
  deltaScalingFactor: finite.default(1),
  ra: z.strictObject({ a: z.array(finite).length(16), d: finite }),
});

export const InterSpreadDefSchema = z.strictObject({
  priority: z.number().int(),
  method: z.enum(['delta', 'scanning']).default('delta'),
  /** Credit rate as a fraction (0.75 = 75 %); for scanning spreads, the gain allowance. */
  creditRate: finite.min(0).max(1),
  creditMethod: z.enum(['wfpr', 'flat']).default('wfpr'),
  flatAmount: finite.nonnegative().optional(),
  targetCc: z.string().optional(),
  /** A super-intercommodity spread (CME SPAN 09-01): delta-based, each leg's WFPR capped at its CC's scan risk / initial delta. Absent = false. */
  superSpread: z.boolean().optional(),
  legs: z
    .array(z.strictObject({ cc: z.string().min(1), tier: z.number().int().positive().default(1), ratio: positive, side: z.enum(['A', 'B']), required: z.boolean().default(true) }))
    .min(2),
});

export const SpanFileSchema = z.strictObject({
  fileFormat: z.literal('crossmargin-span-1'),
  exchangeComplex: z.string().min(1),
  businessDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  combinedCommodities: z.array(CombinedCommodityDefSchema.extend({ contracts: z.array(SpanFileContractSchema).min(1) })).min(1),
  interSpreads: z.array(InterSpreadDefSchema).default([]),
});

export type CombinedCommodityDef = z.output<typeof CombinedCommodityDefSchema>;
export type InterSpreadDef = z.output<typeof InterSpreadDefSchema>;
export type SpanFile = z.output<typeof SpanFileSchema>;
