import { z } from 'zod';
import { parseWithSchema } from '../core/validate.js';
import { INSTRUMENT_KINDS, type InstrumentSpec } from '../instruments/instrument-spec.js';
import { MODELS } from '../models/model-registry.js';

/**
 * The cross-margining agreement file (docs/models/agreement.md): which products each market clears and margins
 * with which model, which pairs of products across markets may offset each other, the model that margins the
 * eligible positions together, and the cap on the relief (EMIR Art 27(4) reading in methods/var-es.md §10
 * "Offset cap, Art 27(4)").
 */

/** Instrument-spec fields a product selector may test; every field given must equal the position's spec. */
const SELECTOR_FIELDS = ['symbol', 'underlying', 'kind', 'settlement'] as const;

const selectorShape = {
  symbol: z.string().min(1).optional(),
  underlying: z.string().min(1).optional(),
  kind: z.enum(INSTRUMENT_KINDS).optional(),
  settlement: z.enum(['linear', 'inverse']).optional(),
};

/**
 * Products a market clears. An empty selector would silently make a market a catch-all for every product, so at
 * least one field is required (list the underlyings or kinds explicitly).
 */
export const ProductSelectorSchema = z.strictObject(selectorShape).refine((s) => SELECTOR_FIELDS.some((f) => s[f] !== undefined), {
  message: `give at least one of ${SELECTOR_FIELDS.join(', ')}`,
});

/** One side of an eligible pair: a market and, optionally, which of its products (all of them when no field is given). */
export const PairSideSchema = z.strictObject({ market: z.string().min(1), ...selectorShape });

const ModelRefShape = {
  /** A model id of the registry (`crossmargin models`). */
  model: z.string().min(1),
  /** That model's parameters document, validated by the model's own schema; defaults apply. */
  params: z.unknown().optional(),
  /**
   * That model's risk-parameter file (span: an exchange's `.spn` / `.pa2` file or the engine's JSON form,
   * docs/span-import.md), a path relative to the agreement file. The face that reads the agreement loads it and hands
   * its document to computeAgreementMargin (`riskParameters`, keyed by this ref's path).
   */
  riskFile: z.string().min(1).optional(),
};

export const AgreementMarketSchema = z.strictObject({ ...ModelRefShape, products: z.array(ProductSelectorSchema).min(1) });

export const AgreementSchema = z
  .strictObject({
    name: z.string().min(1),
    /** Market id → market, in file order: a position goes to the first market with a matching product selector. */
    markets: z.record(z.string().min(1), AgreementMarketSchema),
    eligiblePairs: z.array(z.strictObject({ a: PairSideSchema, b: PairSideSchema })).default([]),
    /** The model that margins the eligible positions of all markets together. */
    joint: z.strictObject(ModelRefShape),
    cap: z
      .strictObject({
        /** Share of the cap base that may be given back; EMIR Art 27(4): 0.8 (100 % only if the CCP bears no risk). */
        share: z.number().finite().min(0).max(1).default(0.8),
        /** `standalone`: cap = share × Σ standalone margin of the eligible positions; `benefit`: cap = share × relief. */
        of: z.enum(['standalone', 'benefit']).default('standalone'),
      })
      .default({ share: 0.8, of: 'standalone' }),
  })
  .superRefine((a, ctx) => {
    const ids = Object.keys(a.markets);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['markets'], message: 'an agreement needs at least one market' });
    for (const id of ids) {
      // JavaScript orders integer-like object keys numerically before all others, whatever the file says, so "file
      // order" (which decides the market of a position) could not be honoured for them.
      if (/^(0|[1-9][0-9]*)$/.test(id)) {
        ctx.addIssue({ code: 'custom', path: ['markets', id], message: `market id "${id}" must not be a plain number (JSON objects would reorder it); use e.g. "M${id}"` });
      }
    }
    a.eligiblePairs.forEach((pair, i) => {
      for (const side of ['a', 'b'] as const) {
        const market = pair[side].market;
        if (a.markets[market] === undefined) {
          ctx.addIssue({ code: 'custom', path: ['eligiblePairs', i, side, 'market'], message: `unknown market "${market}"; markets: ${ids.join(', ')}` });
        }
      }
    });
    for (const [id, m] of Object.entries(a.markets)) checkModelRef(m, ['markets', id], ctx);
    checkModelRef(a.joint, ['joint'], ctx);
  });

export type Agreement = z.output<typeof AgreementSchema>;
export type AgreementInput = z.input<typeof AgreementSchema>;
export type ProductSelector = z.output<typeof ProductSelectorSchema>;
export type PairSide = z.output<typeof PairSideSchema>;

/**
 * The model must exist and its parameters must pass that model's schema. Both are checked here so that a bad
 * agreement fails before any margin is computed, with the path inside the agreement file
 * (`markets.CME.params.priceRange`) rather than the path inside a parameters document.
 */
function checkModelRef(ref: { model: string; params?: unknown; riskFile?: string | undefined }, path: string[], ctx: z.RefinementCtx): void {
  const model = MODELS.find((m) => m.id === ref.model);
  if (model === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'model'], message: `unknown model "${ref.model}"; known models: ${MODELS.map((m) => m.id).join(', ')}` });
    return;
  }
  if (ref.riskFile !== undefined && !('prepare' in model)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'riskFile'], message: `model "${ref.model}" reads no risk-parameter file` });
  }
  const parsed = (model.paramsSchema as z.ZodType).safeParse(ref.params ?? {});
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    const sub = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      // Re-rooted as a custom issue, so name the unknown key in the path as parseWithSchema would.
      const key = issue.keys[0];
      ctx.addIssue({ code: 'custom', path: [...path, 'params', ...sub, ...(key === undefined ? [] : [key])], message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` });
    } else {
      ctx.addIssue({ code: 'custom', path: [...path, 'params', ...sub], message: issue.message });
    }
  }
}

/** The models of an agreement that name a risk-parameter file: the ref's path (`markets.CME`, `joint`) and the file. */
export function agreementRiskFiles(agreement: Agreement): { readonly path: string; readonly file: string; readonly model: string }[] {
  const refs: [string, Agreement['joint']][] = [...Object.entries(agreement.markets).map(([id, m]): [string, Agreement['joint']] => [`markets.${id}`, m]), ['joint', agreement.joint]];
  return refs.flatMap(([path, ref]) => (ref.riskFile === undefined ? [] : [{ path, file: ref.riskFile, model: ref.model }]));
}

/** Validates an agreement document; errors are MODEL_PARAMS_INVALID naming the field (`agreement.json: markets.CME.products.0: ...`). */
export function parseAgreement(document: unknown, source = 'agreement'): Agreement {
  return parseWithSchema(AgreementSchema, document, source, 'MODEL_PARAMS_INVALID');
}

/** True when every field the selector gives equals the spec's (a pair side's `market` is not a spec field and is ignored). */
export function matchesSelector(spec: InstrumentSpec, selector: Partial<Record<(typeof SELECTOR_FIELDS)[number], string>>): boolean {
  return SELECTOR_FIELDS.every((f) => selector[f] === undefined || selector[f] === spec[f]);
}
