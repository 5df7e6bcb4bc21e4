import { z } from 'zod';
import { ScenarioRefSchema } from '../margin-result.js';

/**
 * The tail measures every VaR-family result reports (docs/models/var-family.md): the confidence, and the account's
 * VaR and ES at it (cross mode; absent in isolated mode). Backtests read these (backtest/walk-forward.ts).
 */
export const TailMeasureDetailsSchema = z.object({
  confidence: z.number(),
  var: z.number().optional(),
  es: z.number().optional(),
});

export type TailMeasureDetails = z.output<typeof TailMeasureDetailsSchema>;

const StressedWindowSchema = z.strictObject({ from: z.string(), to: z.string() });

/** Details of the scenario-based VaR / ES models (hs-var, fhs-es, mc-es); amounts in the account currency. */
export const ScenarioVarDetailsSchema = z.strictObject({
  ...TailMeasureDetailsSchema.shape,
  measure: z.enum(['var', 'es']),
  /** Scenarios in the current set, and the first and last scenario ids (dates for history). */
  scenarios: z.number(),
  firstScenario: z.string().optional(),
  lastScenario: z.string().optional(),
  mpor: z.number(),
  mporMethod: z.enum(['overlapping', 'sqrt']),
  worstScenarios: z.array(ScenarioRefSchema),
  stressedMargin: z.number().optional(),
  stressedWindow: StressedWindowSchema.optional(),
  tenYearMargin: z.number().optional(),
  apc: z.enum(['none', 'buffer', 'stressed-weight', 'floor-10y']),
  /** Correlation relief outcome (correlation-relief.ts), when relief is on. */
  relief: z.unknown().optional(),
});

export type ScenarioVarDetails = z.output<typeof ScenarioVarDetailsSchema>;
