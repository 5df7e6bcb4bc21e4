import { CrossmarginError } from '../core/errors.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import { matchesSelector, type Agreement, type PairSide } from './agreement-schema.js';

/** One position as the classification sees it. */
export interface ClassifiedInput {
  readonly spec: InstrumentSpec;
  /** Signed contracts; a zero quantity holds nothing and so never makes a pair active. */
  readonly quantity: number;
  /** Input field for messages (`portfolio.json: positions.3.instrument`). */
  readonly field: string;
}

/** What an agreement makes of a portfolio's positions. */
export interface PositionClassification {
  /** Market id of each position (index = position index). */
  readonly market: readonly string[];
  /** Whether each position is eligible for the joint margin. */
  readonly eligible: readonly boolean[];
  /** Per eligible pair: the positions on each side, and whether both sides are held (the pair then makes its sides eligible). */
  readonly pairs: readonly { readonly a: readonly number[]; readonly b: readonly number[]; readonly active: boolean }[];
}

/**
 * Assigns every position to the first market (file order) with a product selector its spec matches, then marks it
 * eligible when it is on one side of an eligible pair and some *other* position with a non-zero quantity is on the
 * pair's other side (docs/models/agreement.md "Eligibility"). A position no market clears is MODEL_PARAMS_INVALID
 * naming the position's field: the agreement does not say how to margin it.
 */
export function classifyPositions(
  positions: readonly ClassifiedInput[],
  agreement: Agreement,
  agreementSource = 'agreement',
): PositionClassification {
  const marketIds = Object.keys(agreement.markets);
  const market = positions.map((p) => {
    const id = marketIds.find((m) => agreement.markets[m]!.products.some((s) => matchesSelector(p.spec, s)));
    if (id === undefined) {
      throw new CrossmarginError(
        'MODEL_PARAMS_INVALID',
        `${p.field}: ${p.spec.symbol} (underlying ${p.spec.underlying}, ${p.spec.kind}, ${p.spec.settlement}) matches no product of any market in ${agreementSource} ("${agreement.name}"); markets: ${marketIds.join(', ')}`,
        { field: p.field, details: { symbol: p.spec.symbol, agreement: agreement.name, agreementSource, markets: marketIds } },
      );
    }
    return id;
  });
  const onSide = (side: PairSide): number[] =>
    positions.flatMap((p, i) => (market[i] === side.market && matchesSelector(p.spec, side) ? [i] : []));
  const eligible = positions.map(() => false);
  const pairs = agreement.eligiblePairs.map((pair) => {
    const a = onSide(pair.a);
    const b = onSide(pair.b);
    let active = false;
    // A position needs a counterpart other than itself, so a pair whose two sides select the same products
    // does not make a lone position eligible.
    const mark = (side: readonly number[], other: readonly number[]): void => {
      for (const i of side) {
        if (positions[i]!.quantity !== 0 && other.some((j) => j !== i && positions[j]!.quantity !== 0)) {
          eligible[i] = true;
          active = true;
        }
      }
    };
    mark(a, b);
    mark(b, a);
    return { a, b, active };
  });
  return { market, eligible, pairs };
}
