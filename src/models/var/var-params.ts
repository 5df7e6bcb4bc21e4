import { z } from 'zod';

/**
 * Parameters shared by the VaR / ES family (docs/models/var-family.md; methods/var-es.md §1–§10). Each model fixes its
 * own defaults (confidence, lookback, measure) through `varParamsSchema(defaults)`.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

const LiquiditySchema = z.strictObject({
  /** Square-root impact coefficient Y (var-es.md §9: cost ≈ Y·σ_daily·√(Q/ADV)·|value|). */
  impactCoefficient: z.number().finite().nonnegative().default(1),
  /** Days of volume averaged into ADV. */
  advDays: z.number().int().min(1).max(250).default(30),
});

const ConcentrationSchema = z.strictObject({
  /** Net position (underlying units) above this fraction of ADV is concentrated. */
  thresholdAdvFraction: z.number().finite().positive().default(0.2),
  /** Charge per unit of excess (Q/ADV − threshold), as a fraction of the position's value. */
  rate: z.number().finite().nonnegative().default(0.1),
});

const ReliefSchema = z.strictObject({
  /** Asset class or market of each underlying; underlyings not listed form a class of their own. */
  classes: z.record(z.string(), z.string()).default({}),
  /** One-sided confidence of the bootstrap lower bound that must exclude zero. */
  level: z.number().finite().gt(0.5).lt(1).default(0.95),
  /** Share of the diversification benefit granted when significant (EMIR Art 27(4) reading: 80 %). */
  cap: z.number().finite().min(0).max(1).default(0.8),
  bootstrap: z.number().int().min(50).max(10_000).default(500),
  seed: z.number().int().default(20261121),
});

export interface VarDefaults {
  readonly confidence: number;
  readonly lookback: number;
  readonly measure: 'var' | 'es';
}

/** The shared fields; models add their own (paths, filter, method) and wrap them with `withVarChecks`. */
export function varParamsShape(defaults: VarDefaults) {
  return {
    confidence: z.number().finite().gt(0.5).lt(1).default(defaults.confidence).meta({ description: 'confidence level α' }),
    measure: z
      .enum(['var', 'es'])
      .default(defaults.measure)
      .meta({ description: 'var: the ⌈(1−α)N⌉-th worst loss; es: the Acerbi–Tasche expected shortfall (DESIGN.md "Quantiles"); parametric: z_α·σ or φ(z_α)/(1−α)·σ' }),
    lookback: z
      .number()
      .int()
      .min(20)
      .max(10_000)
      .default(defaults.lookback)
      .meta({ description: 'days of history: HS/FHS the number of scenarios (end dates); parametric and Monte Carlo the 1-day returns vols and correlations are estimated on' }),
    mpor: z.number().int().min(1).max(30).default(2).meta({ description: 'margin period of risk, days of the aligned calendar (EMIR Art 26: ≥ 2 for listed, ≥ 5 OTC)' }),
    mporMethod: z
      .enum(['overlapping', 'sqrt'])
      .default('overlapping')
      .meta({ description: 'h-day moves from overlapping h-day returns, or 1-day returns × √h (hs-var, fhs-es)' }),
    decay: z
      .number()
      .finite()
      .gt(0)
      .lt(1)
      .default(0.94)
      .meta({ description: 'EWMA decay λ (RiskMetrics 0.94): the fhs-es ewma filter, the ewma covariance of parametric-var and mc-es' }),
    endDate: isoDate.optional().meta({ description: 'last history date used (the last aligned date on or before it); unset: the market date' }),
    volMoves: z
      .enum(['index', 'realised', 'none'])
      .default('index')
      .meta({ description: 'implied-vol moves from a vol index (VIX for SPX), a realised-vol proxy, or none (hs-var, fhs-es)' }),
    stressedWindow: z
      .strictObject({ from: isoDate, to: isoDate })
      .optional()
      .meta({ description: 'a stressed period {from, to}, from ≤ to: used by apc "stressed-weight" and reported as the stressed margin' }),
    stressedWeight: z.number().finite().min(0).max(1).default(0.25).meta({ description: 'weight of the stressed margin under apc "stressed-weight"' }),
    apc: z
      .enum(['none', 'buffer', 'stressed-weight', 'floor-10y'])
      .default('none')
      .meta({
        description:
          'anti-procyclicality (EMIR RTS 153/2013 Art 28): none, a 25 % buffer, a stressed weight (needs stressedWindow) or a 10-year floor',
      }),
    liquidity: LiquiditySchema.optional().meta({
      description: 'liquidity add-on Y·σ·√(Q/ADV)·|value|, on when given: {impactCoefficient, advDays}',
    }),
    concentration: ConcentrationSchema.optional().meta({
      description: 'concentration add-on on net positions above a fraction of ADV, on when given: {thresholdAdvFraction, rate}',
    }),
    relief: ReliefSchema.optional().meta({
      description:
        'intermarket relief by correlation in cross mode, on when given: {classes, level, cap, bootstrap, seed}; offsets between classes only where the bootstrap shows them (refused by parametric-var)',
    }),
    maintenanceRatio: z.number().finite().gt(0).max(1).default(0.8).meta({ description: "maintenance margin = initial × this (Deribit's mm_factor is 0.8)" }),
    worstScenarios: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(5)
      .meta({ description: 'how many worst scenarios, with their dates, details.worstScenarios lists (scenario models)' }),
  };
}

type Shape = ReturnType<typeof varParamsShape>;

/**
 * The fields the cross-field checks read, read back from the (already valid) value of any model's schema: the value's
 * type depends on the model's own fields, so it is read through this schema rather than asserted.
 */
const CrossFieldSchema = z.object({ apc: z.string(), stressedWindow: z.object({ from: z.string(), to: z.string() }).optional() });

/** A model's params schema: the shared fields plus its own, with the cross-field checks. */
export function varParamsSchema<E extends z.core.$ZodLooseShape>(defaults: VarDefaults, extra: E) {
  return z.strictObject({ ...varParamsShape(defaults), ...extra }).superRefine((value, ctx) => {
      const p = CrossFieldSchema.parse(value);
      if (p.apc === 'stressed-weight' && p.stressedWindow === undefined) {
        ctx.addIssue({ code: 'custom', path: ['stressedWindow'], message: 'apc "stressed-weight" needs a stressedWindow {from, to}' });
      }
      if (p.stressedWindow !== undefined && p.stressedWindow.from > p.stressedWindow.to) {
        ctx.addIssue({ code: 'custom', path: ['stressedWindow', 'from'], message: 'from must not be after to' });
      }
    });
}

export type VarParams = z.output<z.ZodObject<Shape>>;
