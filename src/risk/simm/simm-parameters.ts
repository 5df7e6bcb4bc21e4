import { z } from 'zod';

/**
 * One ISDA SIMM version's parameters for one margin period of risk (docs/models/simm.md, docs/methods/simm.md).
 * Units follow the SIMM methodology: delta risk weights in the sensitivity's own unit (IR and credit: per 1 bp; equity,
 * commodity, FX: per 1 %), vega risk weights and correlations as decimals, concentration thresholds in USD millions
 * (per bp, per % or of vega). The bundled files (data/simm/simm-<version>.json) hold the figures shared by both
 * periods in `common` and the period-specific ones under `mpor`; `loadSimmParameters` merges them into this shape.
 */

const probability = z.number().min(-1).max(1);
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const currencyList = z.array(z.string().regex(/^[A-Z]{3}$/));
const squareMatrix = (n: number) =>
  z
    .array(z.array(probability).length(n))
    .length(n)
    .refine((m) => m.every((row, i) => row.every((v, j) => v === m[j]![i])), { message: 'matrix must be symmetric' });
const byBucket = <T extends z.ZodType>(buckets: readonly string[], value: T) =>
  z.strictObject(Object.fromEntries(buckets.map((b) => [b, value])) as Record<string, T>);

/** Bucket names of each bucketed risk class (SIMM methodology, the risk-class sections). */
export const SIMM_CREDIT_Q_BUCKETS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', 'Residual'] as const;
export const SIMM_CREDIT_NON_Q_BUCKETS = ['1', '2', 'Residual'] as const;
export const SIMM_EQUITY_BUCKETS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', 'Residual'] as const;
export const SIMM_COMMODITY_BUCKETS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17'] as const;
/** Order of the risk classes in `riskClassCorrelation` (ψ). */
export const SIMM_RISK_CLASSES = ['IR', 'CreditQ', 'CreditNonQ', 'Equity', 'Commodity', 'FX'] as const;
export type SimmRiskClass = (typeof SIMM_RISK_CLASSES)[number];

const nonResidual = <T extends readonly string[]>(buckets: T) => buckets.filter((b) => b !== 'Residual');

/** Figures shared by the 10-day and the 1-day calibration of a version (correlations, labels, currency groups). */
export const SimmCommonSchema = z.strictObject({
  irTenors: z.array(z.string().min(1)).length(12),
  creditTenors: z.array(z.string().min(1)).length(5),
  irSubCurves: z.array(z.string().min(1)).min(1),
  /** IR volatility groups of the delta risk weights; every other currency is high volatility. */
  irVolGroups: z.strictObject({ regular: currencyList, low: currencyList }),
  /** FX high-volatility currencies (risk weights and correlations by group); every other currency is regular. */
  fxHighVolCurrencies: currencyList,
  /** ψ between risk classes, ordered as SIMM_RISK_CLASSES. */
  riskClassCorrelation: squareMatrix(6),
  ir: z.strictObject({
    tenorCorrelation: squareMatrix(12),
    /** φ between two sub-curves of one currency. */
    subCurveCorrelation: probability,
    inflationCorrelation: probability,
    xccyBasisCorrelation: probability,
    inflationVolCorrelation: probability,
    /** γ between currencies (before the concentration ratio g_bc). */
    interCurrencyCorrelation: probability,
  }),
  creditQ: z.strictObject({
    sameIssuerCorrelation: probability,
    differentIssuerCorrelation: probability,
    residualCorrelation: probability,
    interBucketCorrelation: squareMatrix(12),
    baseCorrCorrelation: probability,
  }),
  creditNonQ: z.strictObject({
    sameIssuerCorrelation: probability,
    differentIssuerCorrelation: probability,
    residualCorrelation: probability,
    interBucketCorrelation: probability,
  }),
  equity: z.strictObject({ intraBucketCorrelation: byBucket(nonResidual(SIMM_EQUITY_BUCKETS), probability), interBucketCorrelation: squareMatrix(12) }),
  commodity: z.strictObject({ intraBucketCorrelation: byBucket(SIMM_COMMODITY_BUCKETS, probability), interBucketCorrelation: squareMatrix(17) }),
  fx: z.strictObject({
    /** Delta correlation by the vol groups of the two currencies, for a regular- or a high-vol calculation currency. */
    correlation: z.strictObject({
      regularCalculationCurrency: z.strictObject({ regularRegular: probability, regularHigh: probability, highHigh: probability }),
      highCalculationCurrency: z.strictObject({ regularRegular: probability, regularHigh: probability, highHigh: probability }),
    }),
    vegaCorrelation: probability,
  }),
});

const irThresholds = z.strictObject({ high: positive, regularWellTraded: positive, regularLessWellTraded: positive, low: positive });

/** Concentration thresholds, USD millions (delta: per bp for IR and credit, per % otherwise; vega: of vega). */
export const SimmConcentrationSchema = z.strictObject({
  ir: z.strictObject({
    wellTradedCurrencies: currencyList,
    lessWellTradedCurrencies: currencyList,
    lowVolCurrencies: currencyList,
    delta: irThresholds,
    vega: irThresholds,
  }),
  fx: z.strictObject({
    significantlyMaterialCurrencies: currencyList,
    frequentlyTradedCurrencies: currencyList,
    delta: z.strictObject({ category1: positive, category2: positive, category3: positive }),
    vega: z.strictObject({
      category1Category1: positive,
      category1Category2: positive,
      category1Category3: positive,
      category2Category2: positive,
      category2Category3: positive,
      category3Category3: positive,
    }),
  }),
  creditQ: z.strictObject({ delta: byBucket(SIMM_CREDIT_Q_BUCKETS, positive), vega: positive }),
  creditNonQ: z.strictObject({ delta: byBucket(SIMM_CREDIT_NON_Q_BUCKETS, positive), vega: positive }),
  equity: z.strictObject({ delta: byBucket(SIMM_EQUITY_BUCKETS, positive), vega: byBucket(SIMM_EQUITY_BUCKETS, positive) }),
  commodity: z.strictObject({ delta: byBucket(SIMM_COMMODITY_BUCKETS, positive), vega: byBucket(SIMM_COMMODITY_BUCKETS, positive) }),
});
export type SimmConcentration = z.output<typeof SimmConcentrationSchema>;

/** Figures of one margin period of risk: risk weights, HVRs, the horizon, the concentration thresholds. */
export const SimmMporSchema = z.strictObject({
  /**
   * Horizon in days of the curvature scale factor SF(t) = 0.5 min(1, horizon / t) and of the vega σ = RW √(365 /
   * horizon) / Φ⁻¹(0.99): 14 for 10 days, 1.4 for 1 day (SIMM technical paper, section I).
   */
  horizonDays: positive,
  /** null: concentration risk disabled (the 1-day calibration; SIMM technical paper, section I.4). */
  concentrationThresholds: SimmConcentrationSchema.nullable(),
  ir: z.strictObject({
    deltaRiskWeights: z.strictObject({ regular: z.array(nonNegative).length(12), low: z.array(nonNegative).length(12), high: z.array(nonNegative).length(12) }),
    inflationRiskWeight: nonNegative,
    xccyBasisRiskWeight: nonNegative,
    vegaRiskWeight: nonNegative,
    inflationVegaRiskWeight: nonNegative,
    /** HVR_IR: the IR curvature margin is scaled by HVR_IR⁻². */
    curvatureHvr: positive,
  }),
  creditQ: z.strictObject({ riskWeights: byBucket(SIMM_CREDIT_Q_BUCKETS, nonNegative), vegaRiskWeight: nonNegative, baseCorrRiskWeight: nonNegative }),
  creditNonQ: z.strictObject({ riskWeights: byBucket(SIMM_CREDIT_NON_Q_BUCKETS, nonNegative), vegaRiskWeight: nonNegative }),
  equity: z.strictObject({ riskWeights: byBucket(SIMM_EQUITY_BUCKETS, nonNegative), vegaRiskWeights: byBucket(SIMM_EQUITY_BUCKETS, nonNegative), hvr: positive }),
  commodity: z.strictObject({ riskWeights: byBucket(SIMM_COMMODITY_BUCKETS, nonNegative), vegaRiskWeight: nonNegative, hvr: positive }),
  fx: z.strictObject({ riskWeights: z.strictObject({ regularRegular: nonNegative, regularHigh: nonNegative, highHigh: nonNegative }), vegaRiskWeight: nonNegative, hvr: positive }),
});

export const SIMM_VERSIONS = ['2.5', '2.6'] as const;
export type SimmVersion = (typeof SIMM_VERSIONS)[number];
export const SIMM_MPORS = ['10d', '1d'] as const;
export type SimmMpor = (typeof SIMM_MPORS)[number];

/** A bundled parameter file: data/simm/simm-<version>.json. */
export const SimmParameterFileSchema = z.strictObject({
  version: z.enum(SIMM_VERSIONS),
  /** Where the figures were read: repository, path, commit. */
  source: z.string().min(1),
  common: SimmCommonSchema,
  mpor: z.strictObject({ '10d': SimmMporSchema, '1d': SimmMporSchema }),
});

/**
 * Parameters of one SIMM version for one margin period of risk: everything `computeSimm` reads. Per risk class the
 * shared correlations and the period's weights sit in one object (`ir`, `creditQ`, …).
 */
export const SimmParametersSchema = z.strictObject({
  version: z.enum(SIMM_VERSIONS),
  mpor: z.enum(SIMM_MPORS),
  source: z.string().min(1),
  horizonDays: positive,
  irTenors: SimmCommonSchema.shape.irTenors,
  creditTenors: SimmCommonSchema.shape.creditTenors,
  irSubCurves: SimmCommonSchema.shape.irSubCurves,
  irVolGroups: SimmCommonSchema.shape.irVolGroups,
  fxHighVolCurrencies: SimmCommonSchema.shape.fxHighVolCurrencies,
  riskClassCorrelation: SimmCommonSchema.shape.riskClassCorrelation,
  concentrationThresholds: SimmMporSchema.shape.concentrationThresholds,
  ir: z.strictObject({ ...SimmCommonSchema.shape.ir.shape, ...SimmMporSchema.shape.ir.shape }),
  creditQ: z.strictObject({ ...SimmCommonSchema.shape.creditQ.shape, ...SimmMporSchema.shape.creditQ.shape }),
  creditNonQ: z.strictObject({ ...SimmCommonSchema.shape.creditNonQ.shape, ...SimmMporSchema.shape.creditNonQ.shape }),
  equity: z.strictObject({ ...SimmCommonSchema.shape.equity.shape, ...SimmMporSchema.shape.equity.shape }),
  commodity: z.strictObject({ ...SimmCommonSchema.shape.commodity.shape, ...SimmMporSchema.shape.commodity.shape }),
  fx: z.strictObject({ ...SimmCommonSchema.shape.fx.shape, ...SimmMporSchema.shape.fx.shape }),
});
export type SimmParameters = z.output<typeof SimmParametersSchema>;
