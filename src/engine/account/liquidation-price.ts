import { CrossmarginError } from '../../core/errors.js';

/** Equity and the maintenance threshold of an account when its underlying is scaled by `indexScale`. */
export type ScaledAccountEvaluator = (indexScale: number) => { readonly equity: number; readonly maintenance: number };

export interface LiquidationSearchOptions {
  /** Lowest index scale searched, in (0, 1). Default 0.01 (a 99 % fall). */
  readonly low?: number;
  /** Highest index scale searched, > 1. Default 100 (a 100-fold rise). */
  readonly high?: number;
  /** Relative width of the final bracket in k. Default 1e-10. */
  readonly tolerance?: number;
  /**
   * Step of the bracketing scan in ln k. Default 0.01 (about 1 % per step). Two crossings closer together than one
   * step (equity dipping under maintenance and back between two scan points) can be missed.
   */
  readonly gridStep?: number;
}

export interface LiquidationSearchResult {
  /** equity − maintenance at k = 1 (today). Negative: the account is already below its threshold. */
  readonly surplus: number;
  /**
   * Nearest scale below 1 where equity − maintenance changes sign, within [low, 1). When the account is above its
   * threshold today this is the liquidation scale on the downside; when it is below, the scale at which it would
   * recover. Undefined when there is no crossing in range.
   */
  readonly below?: number;
  /** Nearest scale above 1 where equity − maintenance changes sign, within (1, high]. */
  readonly above?: number;
  /** How many times `evaluate` was called (bounded, see liquidationPrice). */
  readonly evaluations: number;
}

const DEFAULTS = { low: 0.01, high: 100, tolerance: 1e-10, gridStep: 0.01 } as const;
/** Bisection halves the bracket; 200 halvings take any double bracket far below the tolerance. */
const MAX_BISECTIONS = 200;

function optionError(name: string, value: number, expected: string): CrossmarginError {
  const field = `liquidationSearch.${name}`;
  return new CrossmarginError('SCHEMA_INVALID', `${field}: expected ${expected}, got ${value}`, { field });
}

/**
 * Finds the index scales k at which an account's equity meets its maintenance threshold, equity(k) = maintenance(k),
 * on each side of today (k = 1); the caller turns k into a price (k × index).
 *
 * Method (docs/accounts.md "Liquidation price"): from k = 1, scan outward in steps of `gridStep` in ln k, down to
 * `low` and up to `high`, until the sign of equity − maintenance changes (a bracket); then bisect the bracket to a
 * relative width of `tolerance`. Each side reports its NEAREST crossing: an account may have a liquidation price
 * below (a net long), above (a net short), both (short volatility: short straddle) or none in range (fully
 * collateralised, or a hedged book). Deterministic; at most ⌈ln(1/low)/gridStep⌉ + ⌈ln(high)/gridStep⌉ + 1 scan
 * evaluations and 2 × 200 bisection evaluations.
 */
export function liquidationPrice(evaluate: ScaledAccountEvaluator, options: LiquidationSearchOptions = {}): LiquidationSearchResult {
  const low = options.low ?? DEFAULTS.low;
  const high = options.high ?? DEFAULTS.high;
  const tolerance = options.tolerance ?? DEFAULTS.tolerance;
  const gridStep = options.gridStep ?? DEFAULTS.gridStep;
  if (!(low > 0 && low < 1)) throw optionError('low', low, 'a number in (0, 1)');
  if (!(high > 1 && Number.isFinite(high))) throw optionError('high', high, 'a finite number above 1');
  if (!(tolerance > 0 && tolerance < 1)) throw optionError('tolerance', tolerance, 'a number in (0, 1)');
  if (!(gridStep > 0 && gridStep <= 1)) throw optionError('gridStep', gridStep, 'a number in (0, 1]');

  let evaluations = 0;
  const surplusAt = (k: number): number => {
    evaluations++;
    const { equity, maintenance } = evaluate(k);
    const surplus = equity - maintenance;
    if (!Number.isFinite(surplus)) {
      throw new CrossmarginError('INTERNAL', `liquidation search: equity ${equity} / maintenance ${maintenance} at index scale ${k} is not finite`, {
        details: { indexScale: k, equity, maintenance },
      });
    }
    return surplus;
  };
  // Below the threshold ⇔ surplus < 0 (the engine liquidates on equity < maintenance, strictly).
  const under = (s: number): boolean => s < 0;

  const surplus = surplusAt(1);
  const side = (direction: -1 | 1): number | undefined => {
    const limit = direction < 0 ? low : high;
    const steps = Math.ceil(Math.abs(Math.log(limit)) / gridStep);
    let kNear = 1;
    let sNear = surplus;
    for (let i = 1; i <= steps; i++) {
      // The last step lands exactly on the limit.
      const k = i === steps ? limit : Math.exp(direction * i * gridStep);
      const s = surplusAt(k);
      if (under(s) !== under(sNear)) return bisect(kNear, sNear, k);
      kNear = k;
      sNear = s;
    }
    return undefined;
  };
  // Invariant: `near` is on today's side of the crossing, `far` on the other.
  const bisect = (near: number, sNear: number, far: number): number => {
    const nearUnder = under(sNear);
    for (let i = 0; i < MAX_BISECTIONS && Math.abs(far - near) > tolerance * Math.max(near, far); i++) {
      const mid = 0.5 * (near + far);
      if (under(surplusAt(mid)) === nearUnder) near = mid;
      else far = mid;
    }
    return 0.5 * (near + far);
  };

  const below = side(-1);
  const above = side(1);
  return {
    surplus,
    ...(below === undefined ? {} : { below }),
    ...(above === undefined ? {} : { above }),
    evaluations,
  };
}
