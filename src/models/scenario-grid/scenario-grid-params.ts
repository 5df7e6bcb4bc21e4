import { z } from 'zod';
import type { ParameterDoc } from '../margin-model.js';

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
    /** Price scan range, relative: 0.15 = ±15 % of the reference price. */
    priceRange: z.number().finite().positive().lt(1).default(0.15),
    /** Price points on each side of zero: 3 → 0, ±1/3, ±2/3, ±3/3 of the range (SPAN's layout). */
    priceSteps: z.number().int().min(1).max(50).default(3),
    volShiftMode: z.enum(['relative', 'absolute']).default('relative'),
    /** Vol shifts at every price point: relative (0.25 = vol × 1.25) or absolute vol points (0.05 = +5). */
    volShifts: volShifts.default([0.25, 0, -0.25]),
    /** Extreme moves ±multiplier × range at unchanged vol, P&L counted at coveredFraction (SPAN: 2, 0.35); false = none. */
    extreme: z
      .union([
        z.literal(false),
        z.strictObject({ multiplier: z.number().finite().positive(), coveredFraction: z.number().finite().min(0).max(1) }),
      ])
      .default({ multiplier: 2, coveredFraction: 0.35 }),
    /** Time decay applied in every scenario, calendar days (ACT/365). */
    timeStepDays: z.number().finite().min(0).default(0),
    /** Initial margin = maintenance margin × initialRatio (CME uses 1.1 for speculative accounts). */
    initialRatio: z.number().finite().min(1).default(1),
    underlyings: z.record(z.string(), UnderlyingOverrideSchema).default({}),
    /**
     * Underlyings margined as one group (cross mode): their P&L is summed scenario by scenario before the worst loss
     * is taken, so gains on one offset losses on another (full offsets, e.g. [["SPX", "NDX"]]). Underlyings in no
     * group keep a group of their own. Each grid scenario moves every underlying by the same fraction of its own
     * range, so a group is treated as perfectly correlated. Used by cross-margining agreements (docs/models/agreement.md).
     */
    groups: z.array(z.array(z.string().min(1)).min(1)).default([]),
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

export const SCENARIO_GRID_PARAMETER_DOCS: readonly ParameterDoc[] = [
  { name: 'priceRange', description: 'price scan range, relative (±)', default: '0.15' },
  { name: 'priceSteps', description: 'price points each side of zero', default: '3' },
  { name: 'volShiftMode', description: 'relative | absolute vol shifts', default: '"relative"' },
  { name: 'volShifts', description: 'vol shifts combined with every price point', default: '[0.25, 0, -0.25]' },
  { name: 'extreme', description: 'extreme moves {multiplier, coveredFraction} or false', default: '{"multiplier":2,"coveredFraction":0.35}' },
  { name: 'timeStepDays', description: 'time decay per scenario, days', default: '0' },
  { name: 'initialRatio', description: 'initial = maintenance × ratio', default: '1' },
  { name: 'underlyings', description: 'per-underlying {priceRange, volShifts} overrides', default: '{}' },
  { name: 'groups', description: 'underlyings margined as one group with full offsets, e.g. [["SPX","NDX"]] (cross mode)', default: '[]' },
];
