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
  /**
   * P&L in that scenario, gain positive, account currency, of what the scenario was worst for: the whole account
   * for single-group models (SPAN's combined commodity, one-underlying books), else the group that set the largest
   * component (named in the label).
   */
  pnl: z.number(),
});

/** A spread formed by a method with spread rules (SPAN intra/inter, agreements): what was paired and what it cost or saved. */
export const SpreadFormedSchema = z.object({
  /** `intra` (calendar, charge), `inter` (delta-based credit), `scanning` (scanning-based inter spread). */
  type: z.enum(['intra', 'inter', 'scanning']),
  /** Combined commodity (intra) or the spread's id (inter). */
  group: z.string(),
  priority: z.number(),
  legs: z.array(
    z.object({
      cc: z.string(),
      tier: z.number().optional(),
      period: z.string().optional(),
      side: z.enum(['A', 'B']),
      /** Delta consumed on this leg (signed as held). */
      deltaConsumed: z.number(),
      /** Credit granted to this leg's group (inter spreads), in the leg's own currency inside the algorithm, account currency in results. */
      credit: z.number().optional(),
    }),
  ),
  /** Number of spreads formed. */
  count: z.number(),
  /** Charge added (intra) or credit granted (inter), account currency. */
  charge: z.number().optional(),
  credit: z.number().optional(),
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
  /** Spreads formed, in the order they were formed (methods with spread rules only). */
  spreads: z.array(SpreadFormedSchema).optional(),
  /** Method-specific detail a reader may want (per-tier risk decomposition, agreement relief, ...). */
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A model's `details`: an object whose shape each model fixes with its `detailsSchema` (define-model.ts). */
export type ModelDetails = Readonly<Record<string, unknown>>;

/** A margin result whose `details` has a model's own type. */
export type MarginResultOf<D extends ModelDetails> = Omit<MarginResult, 'details'> & { details?: D };

export type MarginComponent = z.infer<typeof MarginComponentSchema>;
export type ScenarioRef = z.infer<typeof ScenarioRefSchema>;
export type MarginResult = z.infer<typeof MarginResultSchema>;
export type SpreadFormed = z.infer<typeof SpreadFormedSchema>;
