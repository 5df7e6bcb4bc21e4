import { z } from 'zod';
import type { ParameterDoc } from '../margin-model.js';

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
      confidence: z.number().finite().gt(0.5).lt(1).default(defaults.confidence),
      /** 'var' = ⌈(1−α)N⌉-th worst loss; 'es' = Acerbi–Tasche ES (DESIGN.md "Quantiles"). */
      measure: z.enum(['var', 'es']).default(defaults.measure),
      /** Number of scenarios (days) looked back; Monte Carlo and parametric use it to estimate vols and correlations. */
      lookback: z.number().int().min(20).max(10_000).default(defaults.lookback),
      /** Margin period of risk, days (EMIR Art 26: ≥ 2 for listed, ≥ 5 OTC). */
      mpor: z.number().int().min(1).max(30).default(2),
      /** h-day moves from overlapping h-day returns, or 1-day returns × √h. */
      mporMethod: z.enum(['overlapping', 'sqrt']).default('overlapping'),
      /** EWMA decay λ for filters and covariance (RiskMetrics 0.94). */
      decay: z.number().finite().gt(0).lt(1).default(0.94),
      /** Last history date used; default: the market date (or the last date before it). */
      endDate: isoDate.optional(),
      /** Implied-vol moves: from a vol index (VIX for SPX) or a realised-vol proxy, or none. */
      volMoves: z.enum(['index', 'realised', 'none']).default('index'),
      /** A stressed period; used by apc "stressed-weight" and reported as the stressed margin. */
      stressedWindow: z.strictObject({ from: isoDate, to: isoDate }).optional(),
      stressedWeight: z.number().finite().min(0).max(1).default(0.25),
      /** Anti-procyclicality (EMIR RTS 153/2013 Art 28): 25 % buffer, 25 % stressed weight, or a 10-year floor. */
      apc: z.enum(['none', 'buffer', 'stressed-weight', 'floor-10y']).default('none'),
      liquidity: LiquiditySchema.optional(),
      concentration: ConcentrationSchema.optional(),
      /** Intermarket relief by correlation: offsets between classes only where the bootstrap shows them. */
      relief: ReliefSchema.optional(),
      /** Maintenance margin = initial × this (Deribit's mm_factor is 0.8). */
      maintenanceRatio: z.number().finite().gt(0).max(1).default(0.8),
      /** How many worst scenarios (with dates) the result lists. */
      worstScenarios: z.number().int().min(1).max(50).default(5),
  };
}

type Shape = ReturnType<typeof varParamsShape>;

/** A model's params schema: the shared fields plus its own, with the cross-field checks. */
export function varParamsSchema<E extends z.core.$ZodLooseShape>(defaults: VarDefaults, extra: E) {
  return z.strictObject({ ...varParamsShape(defaults), ...extra }).superRefine((value, ctx) => {
      const p = value as unknown as VarParams;
      if (p.apc === 'stressed-weight' && p.stressedWindow === undefined) {
        ctx.addIssue({ code: 'custom', path: ['stressedWindow'], message: 'apc "stressed-weight" needs a stressedWindow {from, to}' });
      }
      if (p.stressedWindow !== undefined && p.stressedWindow.from > p.stressedWindow.to) {
        ctx.addIssue({ code: 'custom', path: ['stressedWindow', 'from'], message: 'from must not be after to' });
      }
    });
}

export type VarParams = z.output<z.ZodObject<Shape>>;

export function varParameterDocs(defaults: VarDefaults): ParameterDoc[] {
  return [
    { name: 'confidence', description: 'confidence level α', default: String(defaults.confidence) },
    { name: 'measure', description: 'var | es', default: `"${defaults.measure}"` },
    { name: 'lookback', description: 'scenarios (days) of history used', default: String(defaults.lookback) },
    { name: 'mpor', description: 'margin period of risk, days', default: '2' },
    { name: 'mporMethod', description: 'overlapping h-day returns | sqrt (1-day × √h)', default: '"overlapping"' },
    { name: 'decay', description: 'EWMA λ for filters and covariances', default: '0.94' },
    { name: 'endDate', description: 'last history date used (YYYY-MM-DD)', default: 'market date' },
    { name: 'volMoves', description: 'implied-vol moves: index | realised | none', default: '"index"' },
    { name: 'stressedWindow', description: 'stressed period {from, to} (YYYY-MM-DD)', default: 'none' },
    { name: 'stressedWeight', description: 'weight of the stressed margin under apc "stressed-weight"', default: '0.25' },
    { name: 'apc', description: 'none | buffer (×1.25) | stressed-weight | floor-10y', default: '"none"' },
    { name: 'liquidity', description: 'add-on {impactCoefficient, advDays}: Y·σ·√(Q/ADV)·|value|', default: 'off' },
    { name: 'concentration', description: 'add-on {thresholdAdvFraction, rate}', default: 'off' },
    { name: 'relief', description: 'correlation relief {classes, level, cap, bootstrap, seed}', default: 'off' },
    { name: 'maintenanceRatio', description: 'maintenance = initial × ratio', default: '0.8' },
    { name: 'worstScenarios', description: 'worst scenarios listed with dates', default: '5' },
  ];
}
