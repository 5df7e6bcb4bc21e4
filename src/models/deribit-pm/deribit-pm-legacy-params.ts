import { z } from 'zod';

/**
 * Parameters of Deribit's legacy (pre-2023) portfolio margin, crypto-venues.md §1.1 "Legacy PM (old-data regression
 * only)". The defaults are the third source of that table (deribit.com/pages/docs/portfoliomargin, undated, before the
 * 2023 redesign): price move ±10 %, IV shock (30/DTE)^0.30 × 38 %, option contingency 0.01 coin per net short option
 * per strike, futures contingency 1 % of offsetting futures. These reproduce TV-D4 (§1.2). The earlier source (±12.5 %,
 * √(30/DTE) × 40 %, 1 % per option, 2 % of offsetting futures) is the same structure with other values.
 */
export const DeribitPmLegacySchema = z.strictObject({
  asOf: z.string().min(1).default('pre-2023'),
  source: z.string().min(1).default('deribit.com/pages/docs/portfoliomargin (docs/models/deribit-pm.md Legacy PM, third row)'),
  /** Price scan range, relative (±10 %). */
  priceRange: z.number().finite().positive().lt(1).default(0.1),
  /** Price points each side of 0; not published, the 2023 grid's 4 is assumed. */
  bucketsCount: z.number().int().min(1).max(50).default(4),
  /** Relative IV shock at 30 days (38 %), up and down, scaled by (30/DTE)^vegaPower. */
  volShock: z.number().finite().min(0).default(0.38),
  vegaPower: z.number().finite().min(0).default(0.3),
  /** Coin per net short option contract (1 coin of underlying) per strike: 0.01. */
  optionContingencyPerNetShort: z.number().finite().min(0).default(0.01),
  /** Fraction of the offsetting futures notional (coin): 1 %. */
  futuresContingency: z.number().finite().min(0).default(0.01),
  /** MM = mmFactor × (max loss + contingencies); IM = max loss + contingencies. The legacy docs state MM only: 1. */
  mmFactor: z.number().finite().positive().max(1).default(1),
});

export type DeribitPmLegacyParams = z.output<typeof DeribitPmLegacySchema>;

export const DERIBIT_PM_LEGACY_DEFAULTS: DeribitPmLegacyParams = Object.freeze(DeribitPmLegacySchema.parse({}));
