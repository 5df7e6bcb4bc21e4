import { z } from 'zod';
import { parseWithSchema } from '../../core/validate.js';

/**
 * The default liquidation rule of the service, for margin models that are not a venue's (scenario-grid, span, tims,
 * the VaR family, isolated-simple, okx-pm …: every model without an entry in VENUE_LIQUIDATION_RULES). Documented in
 * docs/service.md "Liquidation". ILLUSTRATIVE defaults, chosen for the demo and tests, not any venue's figures:
 *
 * while equity < maintenance × (1 + buffer) and positions remain, close `sliceFraction` of the start size of the
 * position contributing most to the maintenance margin (the model's `positions[].contribution`; ties: first in the
 * book), at the mark moved `impact` against the holder, pay `penaltyRate` of the closed notional to the insurance
 * fund, and re-margin with the compiled model.
 */
export const DefaultLiquidationRuleSchema = z.strictObject({
  /** Share of a position's size at the start of liquidation closed per slice, 0 < f ≤ 1 (a fraction). */
  sliceFraction: z.number().finite().gt(0).max(1).default(0.25),
  /** Price concession against the holder, a fraction of the mark (0.005 = 50 bp below the mark for a long). */
  impact: z.number().finite().min(0).lt(1).default(0.005),
  /** Liquidation fee paid to the insurance fund, a fraction of the closed notional (settlement currency). */
  penaltyRate: z.number().finite().min(0).max(1).default(0),
  /**
   * Stop once equity ≥ maintenance × (1 + buffer), a fraction ≥ 0. Raised to the account's liquidationBuffer when
   * smaller, so the plan never stops while the engine still classifies the account as in liquidation.
   */
  buffer: z.number().finite().min(0).default(0.1),
  /** Safety stop on the number of slices. */
  maxSlices: z.number().int().positive().max(100_000).default(1_000),
});

export type DefaultLiquidationRule = z.output<typeof DefaultLiquidationRuleSchema>;
export type DefaultLiquidationRuleInput = z.input<typeof DefaultLiquidationRuleSchema>;

/** One line describing the rule, kept in every plan (`rule.source`). */
export const DEFAULT_RULE_SOURCE =
  'crossmargin default rule (docs/service.md "Liquidation"): close the largest maintenance-margin contributor in slices at the mark moved by the impact against the holder, re-margin after each slice, stop at maintenance × (1 + buffer) or an empty book; illustrative defaults';

/** Validates default-rule settings (undefined: all defaults); MODEL_PARAMS_INVALID names the field. */
export function parseDefaultLiquidationRule(input: unknown, source = 'liquidationRule'): DefaultLiquidationRule {
  return parseWithSchema(DefaultLiquidationRuleSchema, input ?? {}, source, 'MODEL_PARAMS_INVALID');
}
