import { z } from 'zod';
import { BUNDLED_SIMM_VERSIONS } from '../../risk/simm/load-simm-parameters.js';
import { SIMM_COMMODITY_BUCKETS, SIMM_EQUITY_BUCKETS, SIMM_MPORS, SIMM_VERSIONS } from '../../risk/simm/simm-parameters.js';

/**
 * Where a name of the book goes in SIMM (docs/models/simm.md "On crossmargin books"). SIMM v2.6 has no crypto-asset
 * risk class, so every mapping of a crypto underlying is the team's choice, not ISDA's:
 * - `Equity` / `Commodity` with a bucket (Equity 1–12 or Residual, Commodity 1–17): delta Risk_Equity / Risk_Commodity,
 *   vega Risk_EquityVol / Risk_CommodityVol, qualifier the underlying's name;
 * - `FX`: the name is treated as a currency against USD (Risk_FX, Risk_FXVol on `<name>USD`); needs a three-letter name;
 * - `None`: no sensitivity at all (a USD stablecoin held as collateral).
 */
export const SIMM_MAPPING_CLASSES = ['Equity', 'Commodity', 'FX', 'None'] as const;
export type SimmMappingClass = (typeof SIMM_MAPPING_CLASSES)[number];

export const SimmMappingSchema = z.strictObject({
  riskClass: z.enum(SIMM_MAPPING_CLASSES).meta({ description: 'SIMM risk class: Equity, Commodity, FX (a currency against USD) or None (no sensitivity)' }),
  bucket: z.string().optional().meta({ description: 'SIMM bucket: Equity 1–12 or Residual, Commodity 1–17; none for FX and None' }),
});
export type SimmMapping = z.output<typeof SimmMappingSchema>;

/** The team's default for every priced underlying without an entry: SIMM's Equity residual bucket (RW 50 in v2.6, 10d). */
export const DEFAULT_SIMM_MAPPING: SimmMapping = { riskClass: 'Equity', bucket: 'Residual' };
/** Currencies held at their fx rate that the team treats as US dollars (no FX delta): the dollar stablecoins. */
export const DEFAULT_STABLECOINS = ['USDC', 'USDT', 'DAI', 'FDUSD', 'PYUSD', 'USDE'] as const;

/** The mapping's own problem, if any: a bucket the risk class has not, a bucket where none belongs. */
function mappingIssue(m: SimmMapping): { path: string; message: string } | undefined {
  const buckets: readonly string[] | undefined = m.riskClass === 'Equity' ? SIMM_EQUITY_BUCKETS : m.riskClass === 'Commodity' ? SIMM_COMMODITY_BUCKETS : undefined;
  if (buckets === undefined) return m.bucket === undefined ? undefined : { path: 'bucket', message: `${m.riskClass} takes no bucket; leave it out` };
  if (m.bucket === undefined || !buckets.includes(m.bucket)) {
    return { path: 'bucket', message: `${m.riskClass} needs a bucket, one of ${buckets.join(', ')}${m.bucket === undefined ? '' : ` (got "${m.bucket}")`}` };
  }
  return undefined;
}

export const SimmParamsSchema = z
  .strictObject({
    version: z.enum(SIMM_VERSIONS).default('2.6').meta({ description: `ISDA SIMM version of the bundled parameters (data/simm/; bundled: ${BUNDLED_SIMM_VERSIONS.join(', ')})` }),
    mpor: z.enum(SIMM_MPORS).default('10d').meta({ description: 'margin period of risk of the calibration: 10d (uncleared-margin rules) or 1d' }),
    defaultMapping: SimmMappingSchema.default(DEFAULT_SIMM_MAPPING).meta({
      description:
        "SIMM risk class and bucket of every priced underlying not listed in `underlyings` (BTC, ETH, SPX, …); team's choice: Equity Residual",
    }),
    underlyings: z
      .record(z.string(), SimmMappingSchema)
      .default({})
      .meta({ description: 'per-underlying (or collateral currency) mapping, e.g. {"BTC": {"riskClass": "Commodity", "bucket": "16"}, "ETH": {"riskClass": "FX"}}' }),
    stablecoins: z
      .array(z.string().min(1))
      .default([...DEFAULT_STABLECOINS])
      .meta({ description: "currencies held at an fx rate that count as US dollars (no FX delta); team's choice" }),
  })
  .superRefine((p, ctx) => {
    const check = (m: SimmMapping, path: (string | number)[]): void => {
      const issue = mappingIssue(m);
      if (issue !== undefined) ctx.addIssue({ code: 'custom', path: [...path, issue.path], message: issue.message });
    };
    check(p.defaultMapping, ['defaultMapping']);
    for (const [name, m] of Object.entries(p.underlyings)) check(m, ['underlyings', name]);
  });

export type SimmParams = z.output<typeof SimmParamsSchema>;
