import { CrossmarginError } from '../../core/errors.js';
import { mulberry32 } from '../../core/seeded-random.js';
import { populationBuilder, type CascadePopulation } from './cascade-population.js';

/**
 * Seeded generator of realistic derivative accounts (docs/cascades.md "Generated population"). Account types, with
 * default shares: directional long (32 %), directional short (22 %), multi-asset directional over 2–3 underlyings
 * (11 %), hedged pairs long one underlying / short another of similar notional (20 %, e.g. long BTC perp / short ETH
 * perp), basis trades long spot / short perpetual of one underlying (15 %). Gross notional is lognormal (median
 * 25,000 USD, log-sd 1.5, clamped to 100 … 50 M); collateral is the start maintenance margin (gross notional × the
 * underlying's maintenance rate, no offsets) times a health multiple h = 1.05 + 4u², u uniform — so every account
 * starts solvent with a buffer of at least 5 %, most close to the requirement, as leveraged books are.
 */
export interface GeneratorOptions {
  readonly accounts: number;
  readonly seed: number;
  readonly underlyings: readonly string[];
  /** Start price per underlying, USD. */
  readonly prices: Float64Array;
  /** Maintenance margin per USD of notional per underlying at the start (e.g. 0.08). */
  readonly rates: Float64Array;
  /** Relative weight of each underlying when one is drawn; default equal. */
  readonly weights?: readonly number[];
  /** Share of each account type; default the mix above. */
  readonly mix?: Partial<Record<AccountType, number>>;
  /** `long` / `short`: every position on that side (no hedges; the monotonicity property uses this). */
  readonly direction?: 'both' | 'long' | 'short';
}

export type AccountType = 'long' | 'short' | 'multi' | 'pair' | 'basis';
export const DEFAULT_MIX: Readonly<Record<AccountType, number>> = { long: 0.32, short: 0.22, multi: 0.11, pair: 0.2, basis: 0.15 };
const TYPES: readonly AccountType[] = ['long', 'short', 'multi', 'pair', 'basis'];

export function generatePopulation(o: GeneratorOptions): CascadePopulation {
  const U = o.underlyings.length;
  if (!Number.isInteger(o.accounts) || o.accounts < 1) throw new CrossmarginError('USAGE_INVALID', `accounts: ${o.accounts} must be a whole number ≥ 1`, { field: 'accounts' });
  if (U < 1) throw new CrossmarginError('USAGE_INVALID', 'underlyings: at least one is needed', { field: 'underlyings' });
  const next = mulberry32(o.seed);
  const weights = o.weights ?? o.underlyings.map(() => 1);
  const cumulative = new Float64Array(U);
  weights.reduce((acc, w, u) => (cumulative[u] = acc + w), 0);
  const total = cumulative[U - 1]!;
  const pick = (): number => {
    const x = next() * total;
    for (let u = 0; u < U; u++) if (x < cumulative[u]!) return u;
    return U - 1;
  };
  const pickOther = (not: number): number => {
    if (U === 1) return not;
    for (;;) {
      const u = pick();
      if (u !== not) return u;
    }
  };
  const direction = o.direction ?? 'both';
  const mix = direction === 'both' ? { ...DEFAULT_MIX, ...o.mix } : { long: direction === 'long' ? 0.75 : 0, short: direction === 'short' ? 0.75 : 0, multi: 0.25, pair: 0, basis: 0 };
  const mixTotal = TYPES.reduce((a, t) => a + mix[t], 0);
  const drawType = (): AccountType => {
    let x = next() * mixTotal;
    for (const t of TYPES) {
      x -= mix[t];
      if (x < 0) return t;
    }
    return 'long';
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const b = populationBuilder(o.underlyings);
  const legs: [number, number, boolean][] = [];
  for (let a = 0; a < o.accounts; a++) {
    const gross = Math.min(5e7, Math.max(100, 25_000 * Math.exp(1.5 * normal())));
    const type = drawType();
    const multiSign = direction === 'short' ? -1 : direction === 'long' ? 1 : next() < 0.6 ? 1 : -1;
    legs.length = 0;
    if (type === 'long' || type === 'short') {
      legs.push([pick(), type === 'long' ? gross : -gross, false]);
    } else if (type === 'multi') {
      const n = Math.min(U, next() < 0.5 ? 2 : 3);
      const used = new Set<number>();
      while (used.size < n) used.add(pick());
      for (const u of used) legs.push([u, (multiSign * gross) / n, false]);
    } else if (type === 'pair') {
      const u = pick();
      const ratio = 0.8 + 0.4 * next();
      legs.push([u, gross / (1 + ratio), false], [pickOther(u), (-gross * ratio) / (1 + ratio), false]);
    } else {
      const u = pick();
      legs.push([u, gross / 2, true], [u, -gross / 2, false]);
    }
    let margin = 0;
    for (const [u, notional] of legs) margin += Math.abs(notional) * o.rates[u]!;
    const health = 1.05 + 4 * next() ** 2;
    b.account(margin * health);
    for (const [u, notional, spot] of legs) b.position(u, notional / o.prices[u]!, spot);
  }
  return b.build();
}
