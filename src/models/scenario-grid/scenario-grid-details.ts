import { z } from 'zod';

/** `scenario-grid` details (docs/models/scenario-grid.md): the worst-case measure's explanation. */
export const ScenarioGridDetailsSchema = z.strictObject({
  /** Per position, how much the maintenance margin falls without it (its group's worst loss recomputed); account currency. */
  marginalContributions: z.array(z.strictObject({ instrument: z.string(), marginal: z.number() })),
});

export type ScenarioGridDetails = z.output<typeof ScenarioGridDetailsSchema>;
