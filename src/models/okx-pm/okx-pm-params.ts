import { z } from 'zod';
import { fraction, venueConfigFields } from '../venues/venue-config.js';

/**
 * Parameters of `okx-pm` (OKX portfolio margin, crypto-venues.md §2). Venue parameters are dated configuration:
 * the defaults are OKX's 2 Jan 2025 announcement ("OKX will further adjust portfolio margin parameters", §2
 * table) [V], the factors observed in OKX's position-builder example of 2025-01-15 (TV-O1 BTC unit, TV-O3 LTC unit and
 * USDT borrowing) [I], and placeholders where OKX publishes nothing [U] (marked in
 * docs/models/okx-pm.md and in every result's `details.approximations`).
 */

/** One slice of an incremental tier table: the part of the amount above `fromUsd` (USD) counts at `value`. */
export const IncrementalTierSchema = z.strictObject({ fromUsd: z.number().finite().min(0), value: z.number().finite().min(0) });
export type IncrementalTier = z.output<typeof IncrementalTierSchema>;

const tierTable = z
  .array(IncrementalTierSchema)
  .min(1)
  .superRefine((t, ctx) => {
    if (t[0]!.fromUsd !== 0) ctx.addIssue({ code: 'custom', path: [0, 'fromUsd'], message: 'the first tier starts at 0' });
    for (let i = 1; i < t.length; i++) {
      if (!(t[i]!.fromUsd > t[i - 1]!.fromUsd)) ctx.addIssue({ code: 'custom', path: [i, 'fromUsd'], message: 'tier floors must increase' });
    }
  });

/** MR1 spot shocks of one tier: the positive moves, each also applied negatively (0 is always included). */
const spotShocks = z
  .array(z.number().finite().positive().lt(1))
  .min(1)
  .max(20)
  .refine((s) => s.every((x, i) => i === 0 || x > s[i - 1]!), 'spot shocks must increase');

export const Mr46TierSchema = z.strictObject({
  /** MR6 extreme move, relative (±24 % for BTC/ETH). */
  extremeMove: z.number().finite().positive().lt(1),
  /** MR4 annualised basis move risk (5 % for BTC/ETH), per year of time to expiry. */
  annualisedMoveRisk: z.number().finite().min(0),
  /** MR4 floor of the basis move, relative (BTC perpetual observed 0.2 % of |Δ_USD| in TV-O1 [I]). */
  minBasisMove: fraction,
});
export type Mr46Tier = z.output<typeof Mr46TierSchema>;

/** MR1 option vol shock by time to expiry (relative: σ × (1 + up), σ × (1 − down)); first row whose maxDays ≥ DTE. */
export const VolShockRowSchema = z.strictObject({ maxDays: z.number().positive(), up: z.number().finite().min(0), down: z.number().finite().min(0).lt(1) });
export type VolShockRow = z.output<typeof VolShockRowSchema>;

/** MR9 hedge tiers for a stablecoin whose USD price is at least `minPrice`. */
export const HedgeBandSchema = z.strictObject({ minPrice: z.number().finite().min(0), tiers: tierTable });
export type HedgeBand = z.output<typeof HedgeBandSchema>;

const TIER_NAMES = ['tier1', 'tier2', 'others'] as const;
export type OkxTierName = (typeof TIER_NAMES)[number];
const tierName = z.enum(TIER_NAMES);

/** §2 table, 2 Jan 2025: MR1 spot grid per tier. */
export const OKX_MR1_TIERS_2025_01_02: Readonly<Record<OkxTierName, readonly number[]>> = {
  tier1: [0.04, 0.08, 0.12],
  tier2: [0.06, 0.12, 0.18],
  others: [0.08, 0.16, 0.25],
};
/** §2 MR1 tier-2 list; tier 1 is BTC and ETH. */
const MR1_TIER2 = ['LTC', 'BCH', 'EOS', 'OKB', 'DOT', 'BSV', 'LINK', 'FIL', 'ADA', 'TRX', 'UNI', 'XRP'];
/** §2 MR6/MR4 tier-2 list. */
const MR46_TIER2 = ['SOL', 'DOGE', 'PEPE', 'XRP', 'BNB', 'SHIB', 'LTC', 'ORDI', 'WLD', 'BCH', 'ADA'];

/**
 * §2 table, 2 Jan 2025: MR6 extreme move and MR4 annualised move risk per tier [V]. minBasisMove (the MR4 floor at
 * T = 0, perpetuals) per tier, read off OKX's position-builder example (docs-v5 "Position builder (new)", response of
 * 2025-01-15, ts 1736936801642; stored copy of https://www.okx.com/docs-v5/en/#trading-account-rest-api-position-builder-new
 * dated 2026-06-29), "TV-O3" in docs/models/okx-pm.md: BTC-USDT-SWAP mr4 19.4098073796 = 0.2 % × |Δ| 9,704.9036898
 * (tier 1) and LTC-USDT-SWAP mr4 8.1562464 = 0.8 % × |Δ| 1,019.5308 (tier 2) [I, exact to the published digits].
 * `others` has no published case: 1.6 % is an assumption (the tier-2 floor × 30 % / 15 %, the ratio of the annualised
 * move risks) [U].
 */
export const OKX_MR46_TIERS_2025_01_02: Readonly<Record<OkxTierName, Mr46Tier>> = {
  tier1: { extremeMove: 0.24, annualisedMoveRisk: 0.05, minBasisMove: 0.002 },
  tier2: { extremeMove: 0.36, annualisedMoveRisk: 0.15, minBasisMove: 0.008 },
  others: { extremeMove: 0.5, annualisedMoveRisk: 0.3, minBasisMove: 0.016 },
};

/** §2 MR7 scaling factors (BTC/ETH, pre-2025), applied incrementally per slice of the raw charge (USD) [V]. */
export const OKX_MR7_SCALING: readonly IncrementalTier[] = [
  { fromUsd: 0, value: 1 },
  { fromUsd: 10_000, value: 2 },
  { fromUsd: 70_000, value: 4 },
  { fromUsd: 170_000, value: 6 },
  { fromUsd: 300_000, value: 8 },
  { fromUsd: 470_000, value: 10 },
  { fromUsd: 700_000, value: 12 },
];

/**
 * MR7 scaling of tier 2 (OKX "OKEx adjusts scaling-factor logic in Portfolio Margin mode", support article
 * 4417291853837, pre-2025, its second table: LTC, BSV, TRX, DOT, XRP, ETC, EOS, FIL, ADA, BCH, LINK) [V]:
 * 0–7k ×1, 7k–16k ×2, 16k–29k ×3, 29k–43k ×4, 43k–69k ×5, 69k–95k ×6, 95k–121k ×7, from 121k ×8. The stored copy
 * is cut after the eighth row, so ×8 is applied beyond 121k (the rows above it are [U]).
 */
export const OKX_MR7_SCALING_TIER2: readonly IncrementalTier[] = [
  { fromUsd: 0, value: 1 },
  { fromUsd: 7_000, value: 2 },
  { fromUsd: 16_000, value: 3 },
  { fromUsd: 29_000, value: 4 },
  { fromUsd: 43_000, value: 5 },
  { fromUsd: 69_000, value: 6 },
  { fromUsd: 95_000, value: 7 },
  { fromUsd: 121_000, value: 8 },
];

/** MR7 raw rates and scaling of one tier other than tier 1 (tier 1 is `mr7Rate`, `mr7OptionRate`, `mr7Scaling`). */
export const Mr7TierSchema = z.strictObject({
  /** Raw charge per |Δ_USD| of delta-one positions (spot, futures, perpetuals), decimal. */
  rate: fraction,
  /** Raw charge per USD of option underlying notional |q × multiplier| × index, decimal. */
  optionRate: fraction,
  /** Scaling multipliers applied incrementally per slice of the raw charge (USD). */
  scaling: tierTable,
});
export type Mr7Tier = z.output<typeof Mr7TierSchema>;

/**
 * MR7 per tier beyond tier 1. Tier 2: 0.7 % of |Δ_USD| read off TV-O3 (LTC-USDT-SWAP mr7 7.1367156 = 0.7 % × 1,019.5308,
 * position-builder example, 2025-01-15) [I]; scaling from the pre-2025 tier-2 table [V]. Others: no published case,
 * 1 % and the tier-2 scaling are placeholders [U]. Options: the delta-one rate, placeholder [U].
 */
export const OKX_MR7_TIERS: Readonly<Record<'tier2' | 'others', Mr7Tier>> = {
  tier2: { rate: 0.007, optionRate: 0.007, scaling: OKX_MR7_SCALING_TIER2.map((t) => ({ ...t })) },
  others: { rate: 0.01, optionRate: 0.01, scaling: OKX_MR7_SCALING_TIER2.map((t) => ({ ...t })) },
};

/** Borrowing MMR and IMR of one currency: incremental rate tables over the liability in USD. */
export const BorrowRateSchema = z.strictObject({ mmr: tierTable, imr: tierTable });
export type BorrowRate = z.output<typeof BorrowRateSchema>;

/**
 * Stablecoin borrowing (account level, "borrowMmr" / "borrowImr" of the position builder). TV-O3 (position-builder
 * example, 2025-01-15): a USDT liability of 78,589.37 USDT at 0.99954 USD (78,553.2188898 USD) has borrowMmr
 * 1,571.064377796 = 2 % and borrowImr 7,855.32188898 = 10 % of it [I, exact]. One tier: OKX's larger borrowing tiers
 * are not in the sources read [U]. The interest-free quota changes the interest charged, not these margins (the
 * example charges the whole liability).
 */
export const OKX_STABLECOIN_BORROW: Readonly<Record<string, BorrowRate>> = {
  USDT: { mmr: [{ fromUsd: 0, value: 0.02 }], imr: [{ fromUsd: 0, value: 0.1 }] },
  USDC: { mmr: [{ fromUsd: 0, value: 0.02 }], imr: [{ fromUsd: 0, value: 0.1 }] },
};

/** Placeholder option IV shocks by expiry [U: §2 "MR1 option IV-change table by expiry"]; short expiries shock more. */
export const OKX_VOL_SHOCKS_PLACEHOLDER: readonly VolShockRow[] = [
  { maxDays: 7, up: 0.6, down: 0.3 },
  { maxDays: 30, up: 0.45, down: 0.25 },
  { maxDays: 90, up: 0.35, down: 0.2 },
  { maxDays: 1e9, up: 0.25, down: 0.15 },
];

/** MR9 [U third-party]: price ≥ 0.995: 0–1M 0.5 %, 1M–5M 1 %, beyond placeholder 2 %; below 0.995 placeholder 2 % / 3 %. */
export const OKX_MR9_BANDS_PLACEHOLDER: readonly HedgeBand[] = [
  { minPrice: 0.995, tiers: [{ fromUsd: 0, value: 0.005 }, { fromUsd: 1_000_000, value: 0.01 }, { fromUsd: 5_000_000, value: 0.02 }] },
  { minPrice: 0, tiers: [{ fromUsd: 0, value: 0.02 }, { fromUsd: 1_000_000, value: 0.03 }] },
];

const tierOf = (tier2: readonly string[]): Record<string, OkxTierName> => ({ BTC: 'tier1', ETH: 'tier1', ...Object.fromEntries(tier2.map((n) => [n, 'tier2' as const])) });

export const OkxPmParamsSchema = z.strictObject({
  ...venueConfigFields('2025-01-02', 'docs/models/okx-pm.md: OKX "will further adjust portfolio margin parameters" (2 Jan 2025) [V]; position-builder example of 2025-01-15 (TV-O1, TV-O3) factors [I]; MR2/3/5/9, IV shocks and others-tier MR4/MR7 placeholders'),
  imrFactor: z.number().finite().min(1).default(1.3).meta({ description: 'IMR = imrFactor × derivatives MMR + borrowing IMR (§2: 1.3)' }),
  mr1Tiers: z
    .strictObject({ tier1: spotShocks, tier2: spotShocks, others: spotShocks })
    .default(() => structuredClone(OKX_MR1_TIERS_2025_01_02) as Record<OkxTierName, number[]>)
    .meta({ description: 'MR1 spot shocks per tier, increasing, each applied ± (0 is always included) [V 2025-01-02]' }),
  mr1TierOf: z.record(z.string(), tierName).default(() => tierOf(MR1_TIER2)).meta({ description: 'underlying → MR1 tier; unlisted underlyings are others' }),
  mr46Tiers: z
    .strictObject({ tier1: Mr46TierSchema, tier2: Mr46TierSchema, others: Mr46TierSchema })
    .default(() => structuredClone(OKX_MR46_TIERS_2025_01_02) as Record<OkxTierName, Mr46Tier>)
    .meta({ description: 'per tier: MR6 extremeMove, MR4 annualisedMoveRisk [V 2025-01-02] and minBasisMove (basis floor: tier 1 0.2 %, tier 2 0.8 % from the position-builder example [I]; others 1.6 % assumption [U])' }),
  mr46TierOf: z.record(z.string(), tierName).default(() => tierOf(MR46_TIER2)).meta({ description: 'underlying → MR4/MR6 tier; unlisted underlyings are others' }),
  volShocks: z
    .array(VolShockRowSchema)
    .min(1)
    .refine((r) => r.every((x, i) => i === 0 || x.maxDays > r[i - 1]!.maxDays), 'maxDays must increase')
    .default(() => OKX_VOL_SHOCKS_PLACEHOLDER.map((r) => ({ ...r })))
    .meta({ description: 'MR1 relative IV shocks by days to expiry [{maxDays, up, down}], maxDays increasing; the first row with maxDays ≥ DTE applies (placeholder [U])' }),
  mr6Factor: z.number().finite().min(0).default(0.5).meta({ description: 'MR6 = mr6Factor × extreme-move loss (0.5 observed in TV-O1 [I])' }),
  thetaHorizonDays: z
    .number()
    .finite()
    .min(0)
    .max(30)
    .default(1)
    .meta({ description: 'MR2: time decay over this many days at unchanged spot and vol (placeholder [U])' }),
  termStructureShock: z.number().finite().min(0).default(0.1).meta({ description: 'MR3: relative vol move per expiry used to measure vega (placeholder [U])' }),
  termStructureFactor: fraction.default(0.25).meta({ description: 'MR3: share of the vega offset across expiries that is charged (placeholder [U])' }),
  rateShock: z.number().finite().min(0).default(0.01).meta({ description: "MR5: parallel rate move, decimal per year, applied to options' forward carry (placeholder [U])" }),
  mr7Rate: fraction.default(0.0045).meta({ description: 'MR7 tier 1 (MR1 tier list: BTC, ETH): raw charge per |Δ_USD| of delta-one positions (0.45 % observed, BTC perpetual, TV-O1 [I])' }),
  mr7OptionRate: fraction.default(0.0045).meta({ description: 'MR7 tier 1: raw charge per USD of option underlying notional |q × multiplier| × index (placeholder [U]: same rate)' }),
  mr7Scaling: tierTable
    .default(() => OKX_MR7_SCALING.map((t) => ({ ...t })))
    .meta({ description: 'MR7 tier 1: scaling factors [{fromUsd, value}], applied incrementally per slice of the raw charge (USD) [V]' }),
  mr7Tiers: z
    .strictObject({ tier2: Mr7TierSchema, others: Mr7TierSchema })
    .default(() => structuredClone(OKX_MR7_TIERS) as Record<'tier2' | 'others', Mr7Tier>)
    .meta({ description: 'MR7 of the other tiers of the MR1 tier list (mr1TierOf) {rate, optionRate, scaling}: tier 2 rate 0.7 % [I position-builder example], scaling pre-2025 tier-2 table [V]; others placeholders [U]' }),
  borrowRates: z
    .record(z.string(), BorrowRateSchema)
    .default(() => structuredClone(OKX_STABLECOIN_BORROW) as Record<string, BorrowRate>)
    .meta({ description: 'account-level borrowing per currency {mmr, imr} incremental tables over the liability (negative spot balance) in USD: USDT/USDC 2 % / 10 % [I position-builder example]' }),
  borrowTiers: tierTable
    .default(() => [{ fromUsd: 0, value: 0.1 }])
    .meta({ description: 'borrowing MMR of a currency not in borrowRates (borrowed coin, short spot), USD, incremental [{fromUsd, value}]; its IMR is imrFactor × MMR (placeholder [U])' }),
  stablecoins: z
    .array(z.string().min(1))
    .default(() => ['USDT', 'USDC'])
    .meta({ description: "settlement currencies counted at par with USD in a risk unit (their basis is MR9's charge)" }),
  mr9Bands: z
    .array(HedgeBandSchema)
    .min(1)
    .refine((b) => b.every((x, i) => i === 0 || x.minPrice < b[i - 1]!.minPrice) && b[b.length - 1]!.minPrice === 0, 'minPrice must decrease to 0')
    .default(() => structuredClone(OKX_MR9_BANDS_PLACEHOLDER) as HedgeBand[])
    .meta({ description: 'MR9 incremental hedge rates by stablecoin price band [{minPrice, tiers}], highest minPrice first, decreasing to 0 [U]' }),
});

export type OkxPmParams = z.output<typeof OkxPmParamsSchema>;
