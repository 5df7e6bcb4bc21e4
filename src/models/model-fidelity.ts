import type { MarginResult } from './margin-result.js';
import { z } from 'zod';
import { readDetails } from './define-model.js';
import { ApproximationsSchema } from './venues/venue-details.js';

/** The one details field read across models: what a venue model approximated (venues/venue-details.ts). */
const ApproximationsDetailsSchema = z.object({ approximations: ApproximationsSchema.optional() });

/**
 * How exact each model's figures are, machine-readably (principle: "exact where the exchange publishes, honest where
 * it does not"). Set per model from its page in docs/models/*.md; every table that shows a model's margin (`models`,
 * `compare`, `margin`, the dashboard's model comparison) shows the tag and explains it in a footnote.
 *
 * - `exact`: the method as published or as defined here (SPAN, TIMS, the engine's own VaR family); no tag.
 * - `approximation`: the venue's rule is followed, but parts of the book are mapped onto it (dated futures margined
 *   as the perpetual) — tag "approx.".
 * - `reconstruction`: the venue does not publish the whole method; missing parts are rebuilt from test vectors and
 *   third-party descriptions — tag "reconstructed".
 * - `placeholder`: the default parameters include values the venue does not publish (stand-ins to replace) — tag
 *   "placeholder".
 */
export type ModelFidelityLevel = 'exact' | 'approximation' | 'reconstruction' | 'placeholder';

export interface ModelFidelity {
  readonly level: ModelFidelityLevel;
  /** Why, in one line, citing the model's doc. */
  readonly note: string;
}

export const FIDELITY_TAGS: Readonly<Record<ModelFidelityLevel, string>> = {
  exact: '',
  approximation: 'approx.',
  reconstruction: 'reconstructed',
  placeholder: 'placeholder',
};

/** Footnote text per tag, for the tables that show them. */
export const FIDELITY_FOOTNOTES: Readonly<Record<Exclude<ModelFidelityLevel, 'exact'>, string>> = {
  approximation: 'approx.: the venue rule applied to a book it does not exactly fit (e.g. a dated future margined as the perpetual)',
  reconstruction: 'reconstructed: the venue does not publish the whole method; the missing parts are rebuilt (docs/models/<id>.md)',
  placeholder: 'placeholder: default parameters include values the venue does not publish; pass real ones with --params',
};

const FIDELITY: Readonly<Record<string, ModelFidelity>> = {
  agreement: { level: 'exact', note: 'the engine’s cross-margining agreement method, exact as documented (agreement.md)' },
  'isolated-simple': { level: 'exact', note: 'the engine’s own baseline method, exact as documented (isolated-simple.md)' },
  'scenario-grid': { level: 'exact', note: 'the engine’s own grid method, exact as documented (scenario-grid.md)' },
  span: { level: 'exact', note: 'classic SPAN as published; exact for the risk-parameter file given (span.md)' },
  tims: { level: 'exact', note: 'OCC TIMS as published; exact for the parameters given (tims.md)' },
  'hs-var': { level: 'exact', note: 'the engine’s own historical VaR, exact as documented (hs-var.md)' },
  'fhs-es': { level: 'exact', note: 'the engine’s own filtered-historical ES, exact as documented (fhs-es.md)' },
  'parametric-var': { level: 'exact', note: 'the engine’s own variance–covariance VaR, exact as documented (parametric-var.md)' },
  'mc-es': { level: 'exact', note: 'the engine’s own Monte Carlo ES, exact as documented (mc-es.md)' },
  'deribit-pm': {
    level: 'reconstruction',
    note: 'tested on Deribit’s S:PM vectors (BTC parameters); other currencies need their own parameters; X:PM and open-orders margin are reconstructions (deribit-pm.md)',
  },
  'deribit-sm': { level: 'reconstruction', note: 'inverse futures as published; the option formulas are a third-party reconstruction (deribit-sm.md)' },
  'dydx-v4': {
    level: 'approximation',
    note: 'perpetual formula as published, OI-scaled IMF in whole ppm as the chain; dated futures are margined as the perpetual (dydx-v4.md)',
  },
  drift: {
    level: 'placeholder',
    note: 'weights match the protocol’s unit tests (size discount / premium at every margin type); default perp tier ratios are placeholders: Drift publishes none (drift.md)',
  },
  'mango-health': {
    level: 'placeholder',
    note: 'default perp market weights are the test_health1 placeholders; Init weight scaling needs the bank totals, not applied (and said) without them (mango-health.md)',
  },
  'binance-pm': { level: 'placeholder', note: 'default brackets and collateral rates are placeholders; options unverified (binance-pm.md)' },
  simm: {
    level: 'approximation',
    note: 'ISDA SIMM as published; crypto underlyings and stablecoins are placed in SIMM risk classes by the team’s choice (simm.md)',
  },
  'okx-pm': {
    level: 'reconstruction',
    note: 'dated OKX parameters; tier-1/2 MR4 floors, MR7 rates, USDT borrowing and the IMR rule match OKX position-builder cases; others-tier, IV shocks, MR2/3/5, order rule reconstructed or placeholders (okx-pm.md)',
  },
};

/** The fidelity of a registered model; a model without an entry is reported as a reconstruction (never as exact). */
export function modelFidelity(id: string): ModelFidelity {
  return FIDELITY[id] ?? { level: 'reconstruction', note: 'no fidelity recorded for this model' };
}

/** The parts of the book a result says it approximated (venue models' `details.approximations`); none when absent. */
export function approximationsOf(r: MarginResult | undefined): readonly string[] {
  return readDetails(ApproximationsDetailsSchema, r)?.approximations ?? [];
}

/** True when the result says it approximated part of the book (details.approximations). */
export function hasApproximations(r: MarginResult | undefined): boolean {
  return approximationsOf(r).length > 0;
}

/** A result's fidelity as tables and answers carry it: the model's level and note, and the row's tag. */
export function resultFidelity(id: string, r?: MarginResult): ModelFidelity & { readonly tag: string } {
  return { ...modelFidelity(id), tag: resultFidelityTag(id, hasApproximations(r)) };
}

/** The tag a result row gets: the model's, plus "approx." when the result reports approximations of its own. */
export function resultFidelityTag(id: string, approximations: boolean): string {
  const level = modelFidelity(id).level;
  const tags = [FIDELITY_TAGS[level], ...(approximations && level !== 'approximation' ? [FIDELITY_TAGS.approximation] : [])];
  return tags.filter((t) => t !== '').join(', ');
}

/** The footnote lines for the tags present in a table (none when every row is exact). */
export function fidelityFootnotes(tags: readonly string[]): string[] {
  const used = new Set(tags.flatMap((t) => t.split(', ')));
  return (Object.keys(FIDELITY_FOOTNOTES) as (keyof typeof FIDELITY_FOOTNOTES)[]).filter((l) => used.has(FIDELITY_TAGS[l])).map((l) => FIDELITY_FOOTNOTES[l]);
}
