import { z } from 'zod';
import { venueConfigFields } from '../venues/venue-config.js';

const weight = z.number().finite().min(0);
const positive = z.number().finite().positive();

/**
 * Token bank weights (crypto-venues.md §7): init / maint asset and liability weights, the oracle confidence
 * filter, the optional deposit / borrow weight scale starts of scaled_init_asset / scaled_init_liab and the bank's
 * total deposits / borrows they are compared with.
 */
export const MangoTokenSchema = z.strictObject({
  initAssetWeight: weight,
  maintAssetWeight: weight,
  initLiabWeight: weight,
  maintLiabWeight: weight,
  /** §7: oracle rejected when conf > confFilter·price. */
  confFilter: weight.default(0.1),
  /**
   * The bank's `deposit_weight_scale_start_quote`, in quote units (the bank field is in native quote units: divide by
   * 10^6 for USDC). Mango v4 `programs/mango-v4/src/state/bank.rs` `scaled_init_asset_weight`:
   * init_asset · min(1, start / (bank deposits · price)). Absent = the program's f64::MAX: no scaling.
   */
  depositWeightScaleStartQuote: positive.optional(),
  /** The bank's `borrow_weight_scale_start_quote` (quote units): `scaled_init_liab_weight` = init_liab · max(1, bank borrows · price / start). Absent = no scaling. */
  borrowWeightScaleStartQuote: positive.optional(),
  /**
   * The bank's total deposits in token units (`native_deposits()` / 10^decimals, plus `potential_serum_tokens` where the
   * program version counts them): the deposits the scale compares with its start, not this account's balance. Absent →
   * the deposit weight is not scaled (said in details.tokens[].weightScaling and details.approximations).
   */
  bankTotalDeposits: z.number().finite().min(0).optional(),
  /** The bank's total borrows in token units (`native_borrows()`); absent → the liability weight is not scaled (said in details). */
  bankTotalBorrows: z.number().finite().min(0).optional(),
});
export type MangoToken = z.output<typeof MangoTokenSchema>;

/** Perp market weights (§7): base asset / liability weights and the overall (positive-pnl) asset weight. */
export const MangoPerpMarketSchema = z.strictObject({
  initBaseAssetWeight: weight,
  maintBaseAssetWeight: weight,
  initBaseLiabWeight: weight,
  maintBaseLiabWeight: weight,
  initOverallAssetWeight: weight,
  maintOverallAssetWeight: weight,
  confFilter: weight.default(0.1),
});
export type MangoPerpMarket = z.output<typeof MangoPerpMarketSchema>;

/** The quote token: weights 1. */
export const MANGO_DEFAULT_TOKENS: Readonly<Record<string, MangoToken>> = {
  USDC: { initAssetWeight: 1, maintAssetWeight: 1, initLiabWeight: 1, maintLiabWeight: 1, confFilter: 0.1 },
};

/** §7 new-token-listing example (docs.mango.markets): maint/init asset 0.6/0.2, maint/init liab 1.4/1.8, confidence_filter 0.1. */
export const MANGO_DEFAULT_TOKEN: MangoToken = { initAssetWeight: 0.2, maintAssetWeight: 0.6, initLiabWeight: 1.8, maintLiabWeight: 1.4, confFilter: 0.1 };

/**
 * Placeholder perp weights: §7 publishes no live perp weights; these are the `test_health1` perp of §7 (base weight
 * deltas init 0.2 / maint 0.1, overall pnl deltas 0.05 / 0.02). Replace with venue values.
 */
export const MANGO_DEFAULT_PERP_MARKET: MangoPerpMarket = {
  initBaseAssetWeight: 0.8,
  maintBaseAssetWeight: 0.9,
  initBaseLiabWeight: 1.2,
  maintBaseLiabWeight: 1.1,
  initOverallAssetWeight: 0.95,
  maintOverallAssetWeight: 0.98,
  confFilter: 0.1,
};

export const MangoHealthParamsSchema = z
  .strictObject({
    ...venueConfigFields('2024-01-01', 'docs/models/mango-health.md: docs.mango.markets new-token-listing example [V]; perp weights from cache.rs test_health1 (placeholder)'),
    quoteCurrency: z.string().min(1).default('USDC').meta({ description: 'quote (settle) token of perps, currency of all values' }),
    tokens: z
      .record(z.string(), MangoTokenSchema)
      .default(() => ({ ...MANGO_DEFAULT_TOKENS }))
      .meta({
        description:
          'token → {initAssetWeight, maintAssetWeight, initLiabWeight, maintLiabWeight, confFilter (0.1), depositWeightScaleStartQuote?, borrowWeightScaleStartQuote? (quote units), bankTotalDeposits?, bankTotalBorrows? (the bank\'s totals, token units; without them the Init weight is not scaled)}',
      }),
    defaultToken: MangoTokenSchema.default(() => ({ ...MANGO_DEFAULT_TOKEN })).meta({ description: 'weights of a token not listed in tokens (§7 new-token-listing example)' }),
    perpMarkets: z
      .record(z.string(), MangoPerpMarketSchema)
      .default({})
      .meta({ description: 'underlying → {init/maint BaseAssetWeight, init/maint BaseLiabWeight, init/maint OverallAssetWeight, confFilter}' }),
    defaultPerpMarket: MangoPerpMarketSchema.default(() => ({ ...MANGO_DEFAULT_PERP_MARKET })).meta({
      description: 'weights of a perp market not listed in perpMarkets (placeholder: the §7 test_health1 perp; replace with venue values)',
    }),
    stablePrices: z
      .record(z.string(), positive)
      .default({})
      .meta({ description: '§7 stable price per market (quote currency): Init prices assets at min(oracle, stable), liabilities at max' }),
    oracleConfidence: z
      .record(z.string(), weight)
      .default({})
      .meta({ description: '§7 oracle confidence interval per market (quote currency, absolute): the oracle is rejected when it exceeds confFilter·price' }),
  })
  .superRefine((p, ctx) => {
    const tokens: [string[], MangoToken][] = [[['defaultToken'], p.defaultToken], ...Object.entries(p.tokens).map(([k, t]): [string[], MangoToken] => [['tokens', k], t])];
    for (const [path, t] of tokens) {
      if (!(t.initAssetWeight <= t.maintAssetWeight && t.maintAssetWeight <= 1)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'initAssetWeight'], message: 'need initAssetWeight ≤ maintAssetWeight ≤ 1' });
      }
      if (!(t.initLiabWeight >= t.maintLiabWeight && t.maintLiabWeight >= 1)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'initLiabWeight'], message: 'need initLiabWeight ≥ maintLiabWeight ≥ 1' });
      }
    }
    const perps: [string[], MangoPerpMarket][] = [[['defaultPerpMarket'], p.defaultPerpMarket], ...Object.entries(p.perpMarkets).map(([k, t]): [string[], MangoPerpMarket] => [['perpMarkets', k], t])];
    for (const [path, m] of perps) {
      if (!(m.initBaseAssetWeight <= m.maintBaseAssetWeight && m.maintBaseAssetWeight <= 1)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'initBaseAssetWeight'], message: 'need initBaseAssetWeight ≤ maintBaseAssetWeight ≤ 1' });
      }
      if (!(m.initBaseLiabWeight >= m.maintBaseLiabWeight && m.maintBaseLiabWeight >= 1)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'initBaseLiabWeight'], message: 'need initBaseLiabWeight ≥ maintBaseLiabWeight ≥ 1' });
      }
    }
  });

export type MangoHealthParams = z.output<typeof MangoHealthParamsSchema>;
