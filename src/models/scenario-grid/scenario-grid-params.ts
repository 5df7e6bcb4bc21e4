import { z } from 'zod';

/**
 * Parameters of the `scenario-grid` model (docs/models/scenario-grid.md). Defaults are the documented defaults;
 * per-underlying overrides change the price range and vol shifts of one underlying's grid.
 */
// Absolute shifts may be any size (the kernel floors the shifted vol); relative ones must stay above −100 %,
// checked below once the mode is known.
const volShifts = z.array(z.number().finite()).min(1);

const UnderlyingOverrideSchema = z.strictObject({
  priceRange: z.number().finite().positive().lt(1).optional(),
  volShifts: volShifts.optional(),
});

export const ScenarioGridParamsSchema = z
  .strictObject({
    priceRange: z.number().finite().positive().lt(1).default(0.15).meta({ description: 'price scan range as a fraction of the reference price (0.15 = ±15 %)' }),
    priceSteps: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(3)
      .meta({ description: "price points on each side of zero: 3 gives 0, ±1/3, ±2/3, ±3/3 of the range (SPAN's layout)" }),
    volShiftMode: z
      .enum(['relative', 'absolute'])
      .default('relative')
      .meta({ description: 'how volShifts read: relative, σ × (1 + v), or absolute, σ + v (0.05 = +5 vol points)' }),
    volShifts: volShifts.default([0.25, 0, -0.25]).meta({ description: 'vol shifts combined with every price point, in this order; each > −1 in relative mode' }),
    extreme: z
      .union([
        z.literal(false),
        z.strictObject({ multiplier: z.number().finite().positive(), coveredFraction: z.number().finite().min(0).max(1) }),
      ])
      .default({ multiplier: 2, coveredFraction: 0.35 })
      .meta({ description: 'extreme moves ±multiplier × range at unchanged vol, P&L counted at coveredFraction (SPAN: 2, 0.35); false for none' }),
    timeStepDays: z.number().finite().min(0).default(0).meta({ description: 'calendar days (ACT/365) of time decay applied to options in every scenario' }),
    initialRatio: z
      .number()
      .finite()
      .min(1)
      .default(1)
      .meta({ description: 'initial margin = maintenance margin × initialRatio (CME uses 1.1 for speculative accounts)' }),
    underlyings: z
      .record(z.string(), UnderlyingOverrideSchema)
      .default({})
      .meta({
        description: 'per-underlying overrides {priceRange, volShifts}, e.g. {"BTC": {"priceRange": 0.25}}; an override\'s volShifts has as many entries as the top-level volShifts',
      }),
    // Each grid scenario moves every underlying by the same fraction of its own range, so a group is treated as
    // perfectly correlated.
    groups: z
      .array(z.array(z.string().min(1)).min(1))
      .default([])
      .meta({
        description:
          'underlyings margined as one row in cross mode, their P&L summed scenario by scenario before the worst loss (full offsets), e.g. [["SPX", "NDX"]]; the component group is "SPX+NDX"; an underlying may be in one group only (cross-margining agreements, docs/models/agreement.md)',
      }),
  })
  .superRefine((p, ctx) => {
    const mult = p.extreme === false ? 1 : Math.max(1, p.extreme.multiplier);
    const check = (range: number, path: (string | number)[]): void => {
      if (range * mult >= 1) {
        ctx.addIssue({ code: 'custom', path, message: `priceRange ${range} × extreme multiplier ${mult} must stay below 1 (a price cannot fall 100 %)` });
      }
    };
    check(p.priceRange, ['priceRange']);
    const checkShifts = (shifts: readonly number[], path: (string | number)[]): void => {
      if (p.volShiftMode !== 'relative') return;
      shifts.forEach((v, i) => {
        if (v <= -1) ctx.addIssue({ code: 'custom', path: [...path, i], message: `relative vol shift ${v} must be above −1 (vol cannot fall 100 %)` });
      });
    };
    checkShifts(p.volShifts, ['volShifts']);
    // One underlying in two groups would have to be margined in two rows at once: refuse, naming the second place.
    const seen = new Map<string, number>();
    p.groups.forEach((group, g) => {
      group.forEach((underlying, u) => {
        const first = seen.get(underlying);
        if (first !== undefined) {
          const where = first === g ? 'twice in this group' : `already in group ${first} (${groupName(p.groups[first] ?? [])})`;
          ctx.addIssue({ code: 'custom', path: ['groups', g, u], message: `underlying "${underlying}" is ${where}; an underlying may be in one group only` });
        } else {
          seen.set(underlying, g);
        }
      });
    });
    for (const [name, o] of Object.entries(p.underlyings)) {
      if (o.priceRange !== undefined) check(o.priceRange, ['underlyings', name, 'priceRange']);
      if (o.volShifts !== undefined) checkShifts(o.volShifts, ['underlyings', name, 'volShifts']);
      if (o.volShifts !== undefined && o.volShifts.length !== p.volShifts.length) {
        ctx.addIssue({ code: 'custom', path: ['underlyings', name, 'volShifts'], message: `must have ${p.volShifts.length} entries like volShifts` });
      }
    }
  });

export type ScenarioGridParams = z.output<typeof ScenarioGridParamsSchema>;

/** Component group name of an underlying group: its underlyings joined with "+", in the order listed (`SPX+NDX`). */
export function groupName(underlyings: readonly string[]): string {
  return underlyings.join('+');
}
