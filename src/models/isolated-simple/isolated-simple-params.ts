import { z } from 'zod';

/** Margin rates by instrument kind, as fractions of |notional| (docs/models/isolated-simple.md). */
const rate = z.number().finite().min(0);
const RatesSchema = z.strictObject({ spot: rate, future: rate, perpetual: rate, option: rate });
const PartialRatesSchema = RatesSchema.partial();

const DEFAULT_INITIAL = { spot: 0.1, future: 0.1, perpetual: 0.1, option: 0.15 };
const DEFAULT_MAINTENANCE = { spot: 0.05, future: 0.05, perpetual: 0.05, option: 0.075 };
const KINDS = ['spot', 'future', 'perpetual', 'option'] as const;

export const IsolatedSimpleParamsSchema = z
  .strictObject({
    initialRate: PartialRatesSchema.default({})
      .transform((r) => RatesSchema.parse({ ...DEFAULT_INITIAL, ...r }))
      .meta({ description: 'initial margin as a fraction of |notional|, by instrument kind; kinds left out keep their default rate' }),
    maintenanceRate: PartialRatesSchema.default({})
      .transform((r) => RatesSchema.parse({ ...DEFAULT_MAINTENANCE, ...r }))
      .meta({ description: 'maintenance margin as a fraction of |notional|, by instrument kind; kinds left out keep their default rate' }),
    underlyings: z
      .record(z.string(), z.strictObject({ initialRate: PartialRatesSchema.optional(), maintenanceRate: PartialRatesSchema.optional() }))
      .default({})
      .meta({
        description: 'per-underlying overrides {initialRate, maintenanceRate}, any subset of kinds, e.g. {"SPX": {"initialRate": {"future": 0.06}}}; kinds not listed fall back to the top-level rates',
      }),
  })
  .superRefine((p, ctx) => {
    // Maintenance above initial would put a fresh position straight into a margin call.
    const check = (initial: Record<string, number>, maintenance: Record<string, number>, path: string[]): void => {
      for (const kind of KINDS) {
        if ((maintenance[kind] ?? 0) > (initial[kind] ?? 0)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'maintenanceRate', kind], message: `maintenance rate ${maintenance[kind]} exceeds the initial rate ${initial[kind]}` });
        }
      }
    };
    check(p.initialRate, p.maintenanceRate, []);
    for (const [name, o] of Object.entries(p.underlyings)) {
      check({ ...p.initialRate, ...o.initialRate }, { ...p.maintenanceRate, ...o.maintenanceRate }, ['underlyings', name]);
    }
  });

export type IsolatedSimpleParams = z.output<typeof IsolatedSimpleParamsSchema>;
