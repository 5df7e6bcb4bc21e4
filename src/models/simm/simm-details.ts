import { z } from 'zod';
import { CRIF_PRODUCT_CLASSES, CRIF_RISK_TYPES } from '../../portfolio/crif/crif-row.js';
import { SIMM_MPORS, SIMM_VERSIONS } from '../../risk/simm/simm-parameters.js';
import type { SimmNode } from '../../risk/simm/simm-node.js';
import { ApproximationsSchema } from '../venues/venue-details.js';
import { SIMM_MAPPING_CLASSES } from './simm-params.js';

/**
 * One sensitivity the model computed, as a CRIF row (docs/crif-format.md; `crossmargin crif` writes these): the
 * trade is the position's symbol (or `collateral.<currency>`), the portfolio the account; amounts in USD.
 */
export const SimmCrifRowSchema = z.strictObject({
  tradeId: z.string(),
  portfolioId: z.string(),
  productClass: z.enum(CRIF_PRODUCT_CLASSES),
  riskType: z.enum(CRIF_RISK_TYPES),
  qualifier: z.string(),
  bucket: z.string(),
  label1: z.string(),
  label2: z.string(),
  amount: z.number(),
  amountCurrency: z.string(),
  amountUsd: z.number(),
});
export type SimmCrifRow = z.output<typeof SimmCrifRowSchema>;

/** The SIMM tree as computeSimm returns it (total → product class → risk class → margin type → bucket), USD. */
export const SimmNodeSchema: z.ZodType<SimmNode> = z.strictObject({
  name: z.string(),
  level: z.enum(['total', 'product-class', 'risk-class', 'margin-type', 'bucket']),
  amount: z.number(),
  get children(): z.ZodArray<z.ZodType<SimmNode>> {
    return z.array(SimmNodeSchema);
  },
});

/** Where one name of the book went in SIMM, and whether that placement is the team's choice rather than ISDA's. */
export const SimmMappingDetailSchema = z.strictObject({
  /** The underlying or currency as the book names it. */
  name: z.string(),
  riskClass: z.enum(SIMM_MAPPING_CLASSES),
  /** SIMM bucket, '' for FX and None. */
  bucket: z.string(),
  /** `default` / `parameter`: the defaultMapping or an `underlyings` entry; `currency`: an ISO-like currency held at its fx rate (FX, by SIMM's definition); `stablecoin`: counted as USD. */
  source: z.enum(['default', 'parameter', 'currency', 'stablecoin']),
  /** True when SIMM does not say where the name goes (crypto, stablecoins): a figure the team chose. */
  teamChoice: z.boolean(),
});

/** `simm` details (docs/models/simm.md "On crossmargin books"). */
export const SimmDetailsSchema = z.strictObject({
  version: z.enum(SIMM_VERSIONS),
  mpor: z.enum(SIMM_MPORS),
  /** SIMM's calculation currency is USD; the margins are this total × `usdToAccount`. */
  totalUsd: z.number(),
  /** Rate converting USD into the account currency at today's snapshot. */
  usdToAccount: z.number(),
  /** The sensitivities (CRIF rows) the margin was computed from. */
  crif: z.array(SimmCrifRowSchema),
  /** SIMM per margined group: the whole book (cross), or each position alone (isolated; collateral is one group). */
  groups: z.array(z.strictObject({ group: z.string(), totalUsd: z.number(), tree: SimmNodeSchema })),
  mappings: z.array(SimmMappingDetailSchema),
  /** The team's choices this book depends on, in words (read by model-fidelity.ts: the result's "approx." tag). */
  approximations: ApproximationsSchema,
});

export type SimmDetails = z.output<typeof SimmDetailsSchema>;
