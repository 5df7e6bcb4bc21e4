import type { CascadePopulation } from './cascade-population.js';

/**
 * The population compiled for one margining mode (docs/cascades.md "Cross and isolated"): rows are margin pools.
 * Cross: one row per account, positions netted per underlying (entries sorted by underlying), the account's whole
 * collateral. Isolated: one row per position, margined and liquidated alone with its allocated collateral — the
 * account's collateral split pro rata to each position's standalone maintenance margin at the start prices, so
 * every pool of an account starts with the same health; an account without margin splits by notional.
 */
export interface MarginBook {
  readonly rows: number;
  readonly rowStart: Int32Array;
  readonly underlying: Int32Array;
  /** Signed units of the underlying per entry. */
  readonly quantity: Float64Array;
  /** Collateral per row, USD. */
  readonly cash: Float64Array;
  /** Account of each row (the loss distribution is per account). */
  readonly owner: Int32Array;
  /** Most entries in one row: size of the per-row scratch the relief needs. */
  readonly maxEntries: number;
}

export function crossBook(p: CascadePopulation): MarginBook {
  const U = p.underlyings.length;
  const net = new Float64Array(U);
  const touched = new Uint8Array(U);
  const rowStart = new Int32Array(p.accountCount + 1);
  const und: number[] = [];
  const qty: number[] = [];
  let maxEntries = 0;
  for (let a = 0; a < p.accountCount; a++) {
    for (let e = p.positionStart[a]!; e < p.positionStart[a + 1]!; e++) {
      net[p.positionUnderlying[e]!]! += p.positionQuantity[e]!;
      touched[p.positionUnderlying[e]!] = 1;
    }
    const before = und.length;
    for (let u = 0; u < U; u++) {
      // A netted-out underlying (basis trade) keeps a zero entry only if it was touched; zero entries cost nothing.
      if (touched[u] === 1 && net[u] !== 0) {
        und.push(u);
        qty.push(net[u]!);
      }
      net[u] = 0;
      touched[u] = 0;
    }
    maxEntries = Math.max(maxEntries, und.length - before);
    rowStart[a + 1] = und.length;
  }
  const owner = new Int32Array(p.accountCount);
  for (let a = 0; a < p.accountCount; a++) owner[a] = a;
  return { rows: p.accountCount, rowStart, underlying: Int32Array.from(und), quantity: Float64Array.from(qty), cash: Float64Array.from(p.cash), owner, maxEntries };
}

/** `rate[u]`: standalone maintenance margin per USD of notional at `prices` (used only for the allocation). */
export function isolatedBook(p: CascadePopulation, prices: Float64Array, rate: Float64Array): MarginBook {
  const P = p.positionQuantity.length;
  const rowStart = new Int32Array(P + 1);
  for (let e = 0; e <= P; e++) rowStart[e] = e;
  const cash = new Float64Array(P);
  const owner = new Int32Array(P);
  for (let a = 0; a < p.accountCount; a++) {
    const from = p.positionStart[a]!;
    const to = p.positionStart[a + 1]!;
    let marginSum = 0;
    let notionalSum = 0;
    for (let e = from; e < to; e++) {
      const notional = Math.abs(p.positionQuantity[e]!) * prices[p.positionUnderlying[e]!]!;
      marginSum += notional * rate[p.positionUnderlying[e]!]!;
      notionalSum += notional;
    }
    for (let e = from; e < to; e++) {
      const notional = Math.abs(p.positionQuantity[e]!) * prices[p.positionUnderlying[e]!]!;
      const share = marginSum > 0 ? (notional * rate[p.positionUnderlying[e]!]!) / marginSum : notionalSum > 0 ? notional / notionalSum : 1 / (to - from);
      cash[e] = p.cash[a]! * share;
      owner[e] = a;
    }
  }
  return { rows: P, rowStart, underlying: Int32Array.from(p.positionUnderlying), quantity: Float64Array.from(p.positionQuantity), cash, owner, maxEntries: P > 0 ? 1 : 0 };
}
