import { z } from 'zod';
import { CombinedCommodityDefSchema, InterSpreadDefSchema } from './span-file-schema.js';

/**
 * Parameters of the `span` model (docs/models/span.md). With a risk-parameter file (`--span-file`) only
 * `accountType` applies: arrays, tiers, spreads and rates come from the file. Without one, arrays are computed
 * by our pricer from the market snapshot with the scan parameters below, one combined commodity per underlying.
 */
const ScanSchema = z.strictObject({
  /** Price scan range, relative to the reference price (0.1 = ±10 %). */
  priceScanRange: z.number().finite().positive().lt(0.5),
  /** Vol scan range, absolute vol points (0.05 = ±5 vol). */
  volScanRange: z.number().finite().nonnegative(),
  extremeMultiplier: z.number().finite().positive(),
  extremeCoveredFraction: z.number().finite().min(0).max(1),
});

const DEFAULT_SCAN = { priceScanRange: 0.1, volScanRange: 0.05, extremeMultiplier: 2, extremeCoveredFraction: 0.35 };

/** NSE's published composite-delta weights at price −3/3 … +3/3 of the scan range (span.md §5). */
export const DEFAULT_DELTA_POINT_WEIGHTS = [0.037, 0.111, 0.217, 0.27, 0.217, 0.111, 0.037] as const;

export const SpanParamsSchema = z
  .strictObject({
    accountType: z
      .enum(['member', 'hedger', 'speculator'])
      .default('speculator')
      .meta({ description: "picks the CC's initialToMaintenance ratio: initial = maintenance × ratio for this account type" }),
    lookAheadDays: z
      .number()
      .finite()
      .min(0)
      .max(30)
      .default(1)
      .meta({ description: 'computed arrays: calendar days of option time decay in every scenario (CME "lookAhead")' }),
    deltaPointWeights: z
      .array(z.number().finite().nonnegative())
      .length(7)
      .default([...DEFAULT_DELTA_POINT_WEIGHTS])
      .meta({ description: 'computed arrays: composite-delta weights at price points −3/3 … +3/3, vol unchanged (the NSE example of methods/span.md §5); must sum to 1 within 1e-6' }),
    scan: ScanSchema.default(DEFAULT_SCAN).meta({
      description:
        'computed arrays: scan parameters of every underlying not overridden in underlyings: priceScanRange (relative, 0.1 = ±10 %), volScanRange (absolute vol, 0.05 = 5 vol points), extremeMultiplier, extremeCoveredFraction; all four required when given',
    }),
    underlyings: z
      .record(z.string(), ScanSchema.partial())
      .default({})
      .meta({ description: 'computed arrays: per-underlying overrides of any of the four scan fields, e.g. {"BTC": {"priceScanRange": 0.2}}' }),
    combinedCommodities: z
      .array(CombinedCommodityDefSchema)
      .default([])
      .meta({
        description:
          "computed arrays: combined commodity definitions (cc = underlying name), a file's CC without contracts (docs/span-file-format.md; riskExponent ignored); CCs not listed get the defaults",
      }),
    interSpreads: z
      .array(InterSpreadDefSchema)
      .default([])
      .meta({ description: 'computed arrays: inter-commodity spreads (delta or scanning), as in the file format; legs name underlyings' }),
  })
  .superRefine((p, ctx) => {
    const sum = p.deltaPointWeights.reduce((a, w) => a + w, 0);
    if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: ['deltaPointWeights'], message: `weights sum to ${sum}, not 1` });
    for (const [name, o] of Object.entries(p.underlyings)) {
      const psr = o.priceScanRange ?? p.scan.priceScanRange;
      const mult = o.extremeMultiplier ?? p.scan.extremeMultiplier;
      if (psr * Math.max(1, mult) >= 1) ctx.addIssue({ code: 'custom', path: ['underlyings', name], message: 'priceScanRange × extremeMultiplier must stay below 1' });
    }
    if (p.scan.priceScanRange * Math.max(1, p.scan.extremeMultiplier) >= 1) {
      ctx.addIssue({ code: 'custom', path: ['scan'], message: 'priceScanRange × extremeMultiplier must stay below 1' });
    }
  });

export type SpanParams = z.output<typeof SpanParamsSchema>;
