import { z } from 'zod';

/**
 * The margin result of DESIGN.md ("Margin result"): what `--json` prints and the API returns. Stable names:
 * `initialMargin`, `maintenanceMargin`, `components[].name/group/value`, `worstScenario`. Amounts are positive,
 * in `currency` (the account currency). Component names are camelCase and documented per model in docs/models/.
 */
export const MarginComponentSchema = z.object({
  name: z.string(),
  /** What the component applies to: an underlying, a position symbol, a combined commodity. */
  group: z.string(),
  value: z.number(),
  /** The scenario that set this component, when one did. */
  scenario: z.object({ id: z.string(), label: z.string() }).optional(),
});

export const ScenarioRefSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Account P&L in that scenario, gain positive, account currency. */
  pnl: z.number(),
});

export const MarginResultSchema = z.object({
  model: z.string(),
  account: z.string().optional(),
  currency: z.string(),
  initialMargin: z.number().nonnegative(),
  maintenanceMargin: z.number().nonnegative(),
  components: z.array(MarginComponentSchema),
  worstScenario: ScenarioRefSchema.optional(),
  /** Each position's share of the margin (its loss in the scenario that set its group's charge, or its own charge). */
  positions: z.array(z.object({ instrument: z.string(), quantity: z.number(), contribution: z.number() })),
});

export type MarginComponent = z.infer<typeof MarginComponentSchema>;
export type ScenarioRef = z.infer<typeof ScenarioRefSchema>;
export type MarginResult = z.infer<typeof MarginResultSchema>;
