import { z } from 'zod';

/**
 * Parameters of the `tims` model (docs/models/tims.md; methods/tims.md §1–§2). Defaults are the documented
 * defaults. A class group is all instruments on one underlying; its valuation points come from the defaults of its
 * asset class (`equity` or `other`), overridden field by field in `classGroups`. Product groups join classes whose
 * gains offset other classes' losses at `offset` (methods/tims.md §2 "product group").
 */
export const ASSET_CLASSES = ['equity', 'other'] as const;
export type AssetClass = (typeof ASSET_CLASSES)[number];

/** Largest number of valuation points per class: far above TIMS's 10 / 20, small enough to bound the matrix. */
export const MAX_POINTS = 200;

const priceRange = z.number().finite().positive().lt(1);
// At least two points: the layout spans −range … +range inclusive, which needs both ends.
const points = z.number().int().min(2).max(MAX_POINTS);
// Extra vol variants on top of "vol unchanged" (always valued); sign and size are checked against volShiftMode below.
const volShifts = z.array(z.number().finite().refine((v) => v !== 0, 'vol unchanged is always valued; list only non-zero shifts')).max(10);
// Account currency per net short contract (methods/tims.md §2 "minimum").
const minimumPerContract = z.number().finite().min(0);

/** Defaults of one asset class: every field defaulted, so `{ "equity": { "priceRange": 0.12 } }` keeps the rest. */
function assetClassDefaults(range: number, pointCount: number) {
  return z
    .strictObject({
      /** Price range, relative: 0.15 = points spread over −15 % … +15 % of the reference price. */
      priceRange: priceRange.default(range),
      /** Number of equidistant valuation points across −range … +range, both ends included. */
      points: points.default(pointCount),
      volShifts: volShifts.default([]),
      minimumPerContract: minimumPerContract.default(0),
    })
    .prefault({});
}

const ClassGroupOverrideSchema = z.strictObject({
  assetClass: z.enum(ASSET_CLASSES).optional(),
  priceRange: priceRange.optional(),
  points: points.optional(),
  volShifts: volShifts.optional(),
  minimumPerContract: minimumPerContract.optional(),
});

const ProductGroupSchema = z.strictObject({
  name: z.string().min(1),
  /** Underlying names (class groups) in the group. */
  classes: z.array(z.string().min(1)).min(1),
  /** Fraction of a gaining class's P&L that offsets other classes' losses: 0 = none, 1 = full netting. */
  offset: z.number().finite().min(0).max(1),
});

export const TimsParamsSchema = z
  .strictObject({
    assetClasses: z
      .record(z.string().min(1), z.enum(ASSET_CLASSES))
      .default({})
      .meta({ description: 'underlying → "equity" or "other"; an underlying not listed is "other" (methods/tims.md §1: 20 points for non-equity)' }),
    // Equity: 10 points (methods/tims.md §1) over ±15 % (the CPM equity range, §2 [U]). Other: 20 points (§1) over
    // ±20 %: an engine choice, wider than equities because non-equity classes here are mostly crypto and indices
    // without a published TIMS range.
    defaults: z
      .strictObject({
        equity: assetClassDefaults(0.15, 10),
        other: assetClassDefaults(0.2, 20),
      })
      .prefault({})
      .meta({
        description:
          'valuation setup per asset class {priceRange, points, volShifts, minimumPerContract}; any field may be given alone, the others keep their defaults',
      }),
    classGroups: z
      .record(z.string().min(1), ClassGroupOverrideSchema)
      .default({})
      .meta({
        description: 'per-underlying overrides of the asset-class defaults, any of {assetClass, priceRange, points, volShifts, minimumPerContract}, e.g. {"NDX": {"priceRange": 0.18}}',
      }),
    productGroups: z
      .array(ProductGroupSchema)
      .default([])
      .meta({ description: 'offset groups [{name, classes: [underlyings], offset 0..1}], e.g. [{"name": "US-INDEX", "classes": ["SPX", "NDX"], "offset": 0.9}]' }),
    volShiftMode: z
      .enum(['relative', 'absolute'])
      .default('relative')
      .meta({ description: 'how volShifts read: relative, vol × (1 + v), or absolute vol points, vol + v (0.02 = +2 vol); the shifted vol is floored at 0.0001' }),
  })
  .superRefine((p, ctx) => {
    if (p.volShiftMode === 'relative') {
      // A relative shift of −100 % or less would make the vol zero or negative.
      const checkShifts = (shifts: readonly number[] | undefined, path: (string | number)[]): void => {
        shifts?.forEach((v, i) => {
          if (v <= -1) ctx.addIssue({ code: 'custom', path: [...path, i], message: `relative vol shift ${v} must be > −1` });
        });
      };
      for (const ac of ASSET_CLASSES) checkShifts(p.defaults[ac].volShifts, ['defaults', ac, 'volShifts']);
      for (const [name, o] of Object.entries(p.classGroups)) checkShifts(o.volShifts, ['classGroups', name, 'volShifts']);
    }
    const checkUnique = (shifts: readonly number[] | undefined, path: (string | number)[]): void => {
      if (shifts !== undefined && new Set(shifts).size !== shifts.length) ctx.addIssue({ code: 'custom', path, message: 'vol shifts must be distinct' });
    };
    for (const ac of ASSET_CLASSES) checkUnique(p.defaults[ac].volShifts, ['defaults', ac, 'volShifts']);
    for (const [name, o] of Object.entries(p.classGroups)) {
      checkUnique(o.volShifts, ['classGroups', name, 'volShifts']);
      const listed = p.assetClasses[name];
      if (o.assetClass !== undefined && listed !== undefined && listed !== o.assetClass) {
        ctx.addIssue({
          code: 'custom',
          path: ['classGroups', name, 'assetClass'],
          message: `"${o.assetClass}" contradicts assetClasses.${name} = "${listed}"`,
        });
      }
    }

    // Product groups: unique names, each class in at most one group, and every class of a group valued at the same
    // points and vol variants, so that point j means the same fraction of each class's range (methods/tims.md §2).
    const owner = new Map<string, number>();
    const names = new Set<string>();
    p.productGroups.forEach((g, gi) => {
      if (names.has(g.name)) ctx.addIssue({ code: 'custom', path: ['productGroups', gi, 'name'], message: `duplicate product group name "${g.name}"` });
      names.add(g.name);
      let first: { name: string; setup: ClassSetup } | undefined;
      g.classes.forEach((c, ci) => {
        const path = ['productGroups', gi, 'classes', ci];
        const before = owner.get(c);
        if (before !== undefined) {
          ctx.addIssue({ code: 'custom', path, message: `class "${c}" is already in product group "${p.productGroups[before]!.name}"` });
          return;
        }
        owner.set(c, gi);
        const setup = resolveClassSetup(p, c);
        if (first === undefined) {
          first = { name: c, setup };
          return;
        }
        if (setup.points !== first.setup.points) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `class "${c}" has ${setup.points} points but "${first.name}" has ${first.setup.points}; classes of one product group must share points`,
          });
        } else if (setup.volShifts.join(',') !== first.setup.volShifts.join(',')) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `class "${c}" has volShifts [${setup.volShifts.join(', ')}] but "${first.name}" has [${first.setup.volShifts.join(', ')}]; classes of one product group must share volShifts`,
          });
        }
      });
    });
  });

export type TimsParams = z.output<typeof TimsParamsSchema>;

/** Everything the model needs about one class group after defaults and overrides are applied. */
export interface ClassSetup {
  readonly assetClass: AssetClass;
  readonly priceRange: number;
  readonly points: number;
  /** Extra vol variants (non-zero); "vol unchanged" is always valued first. */
  readonly volShifts: readonly number[];
  /** Account currency per net short contract. */
  readonly minimumPerContract: number;
}

/** Valuation setup of the class group on `underlying`: asset-class defaults, then its `classGroups` override. */
export function resolveClassSetup(params: Pick<TimsParams, 'assetClasses' | 'defaults' | 'classGroups'>, underlying: string): ClassSetup {
  const o = params.classGroups[underlying];
  const assetClass: AssetClass = o?.assetClass ?? params.assetClasses[underlying] ?? 'other';
  const d = params.defaults[assetClass];
  return {
    assetClass,
    priceRange: o?.priceRange ?? d.priceRange,
    points: o?.points ?? d.points,
    volShifts: o?.volShifts ?? d.volShifts,
    minimumPerContract: o?.minimumPerContract ?? d.minimumPerContract,
  };
}
