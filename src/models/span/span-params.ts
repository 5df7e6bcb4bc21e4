import { z } from 'zod';
import type { ParameterDoc } from '../margin-model.js';
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
    /** Initial = maintenance × the CC's initialToMaintenance ratio for this account type. */
    accountType: z.enum(['member', 'hedger', 'speculator']).default('speculator'),
    /** Computed arrays: days of time decay in every scenario (CME "lookAhead"). */
    lookAheadDays: z.number().finite().min(0).max(30).default(1),
    /** Computed arrays: composite delta weights at price points −3/3 … +3/3 (vol unchanged); must sum to 1. */
    deltaPointWeights: z.array(z.number().finite().nonnegative()).length(7).default([...DEFAULT_DELTA_POINT_WEIGHTS]),
    /** Computed arrays: scan parameters for every underlying, unless overridden in `underlyings`. */
    scan: ScanSchema.default(DEFAULT_SCAN),
    underlyings: z.record(z.string(), ScanSchema.partial()).default({}),
    /** Computed arrays: combined commodity settings (cc = underlying name); CCs not listed get the defaults. */
    combinedCommodities: z.array(CombinedCommodityDefSchema).default([]),
    interSpreads: z.array(InterSpreadDefSchema).default([]),
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

export const SPAN_PARAMETER_DOCS: readonly ParameterDoc[] = [
  { name: 'accountType', description: 'member | hedger | speculator: picks the initial/maintenance ratio', default: '"speculator"' },
  { name: 'lookAheadDays', description: 'computed arrays: time decay per scenario, days', default: '1' },
  { name: 'deltaPointWeights', description: 'computed arrays: composite delta weights at −3/3…+3/3', default: JSON.stringify(DEFAULT_DELTA_POINT_WEIGHTS) },
  { name: 'scan', description: 'computed arrays: {priceScanRange (relative), volScanRange (vol points), extremeMultiplier, extremeCoveredFraction}', default: JSON.stringify(DEFAULT_SCAN) },
  { name: 'underlyings', description: 'computed arrays: per-underlying scan overrides', default: '{}' },
  { name: 'combinedCommodities', description: 'computed arrays: per-CC tiers, intra spreads, delivery rates, SOM, WFPR method, ratios', default: '[]' },
  { name: 'interSpreads', description: 'computed arrays: inter-commodity spreads (delta or scanning)', default: '[]' },
];
