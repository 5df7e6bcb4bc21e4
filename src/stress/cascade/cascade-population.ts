import { CrossmarginError } from '../../core/errors.js';

/**
 * A population of accounts for a liquidation cascade (docs/cascades.md "Population"), as typed arrays: positions of
 * account `a` are `positionStart[a] … positionStart[a + 1] − 1`. Every position is delta-one and linear in USD:
 * `positionQuantity` is signed units of the underlying (long positive), so its P&L at price P is q · (P − P₀), USD,
 * measured from the start price P₀ (positions are marked to market at the start; `cash` is the account's equity).
 */
export interface CascadePopulation {
  readonly underlyings: readonly string[];
  readonly accountCount: number;
  /** Collateral per account, USD (stablecoins at 1). */
  readonly cash: Float64Array;
  readonly positionStart: Int32Array;
  /** Index into `underlyings`. */
  readonly positionUnderlying: Int32Array;
  /** Signed units of the underlying. */
  readonly positionQuantity: Float64Array;
  /** 1 = spot holding (collateral coins, basis legs), 0 = perpetual or future; informational. */
  readonly positionSpot: Uint8Array;
  /** Account ids; undefined for a generated population (ids are then `acct-<index>`). */
  readonly accountIds?: readonly string[];
}

export interface PopulationBuilder {
  /** Adds an account with `cash` USD; returns its index. */
  account(cash: number, id?: string): number;
  position(underlying: number, quantity: number, spot?: boolean): void;
  build(): CascadePopulation;
}

/** Growable builder so generators and file readers produce the same arrays; validates as it goes. */
export function populationBuilder(underlyings: readonly string[]): PopulationBuilder {
  const cash: number[] = [];
  const ids: string[] = [];
  const start: number[] = [0];
  const und: number[] = [];
  const qty: number[] = [];
  const spot: number[] = [];
  let named = false;
  return {
    account(c, id) {
      // Negative only when unrealised losses already exceed the collateral (an account underwater at the start).
      if (!Number.isFinite(c)) throw new CrossmarginError('SCHEMA_INVALID', `account ${id ?? cash.length}: collateral ${c} must be a finite number`, { field: 'collateral' });
      if (cash.length > 0) start.push(und.length);
      cash.push(c);
      if (id !== undefined) named = true;
      ids.push(id ?? `acct-${cash.length - 1}`);
      return cash.length - 1;
    },
    position(u, q, isSpot = false) {
      if (cash.length === 0) throw new CrossmarginError('INTERNAL', 'position added before any account');
      if (!Number.isInteger(u) || u < 0 || u >= underlyings.length) throw new CrossmarginError('INTERNAL', `underlying index ${u} out of range`);
      if (!Number.isFinite(q)) throw new CrossmarginError('SCHEMA_INVALID', `account ${ids[ids.length - 1]}: quantity ${q} must be finite`, { field: 'quantity' });
      und.push(u);
      qty.push(q);
      spot.push(isSpot ? 1 : 0);
    },
    build() {
      // `start` holds each account's first position; the final entry closes the last account.
      const positionStart = cash.length === 0 ? new Int32Array(1) : Int32Array.from([...start, und.length]);
      return {
        underlyings: [...underlyings],
        accountCount: cash.length,
        cash: Float64Array.from(cash),
        positionStart,
        positionUnderlying: Int32Array.from(und),
        positionQuantity: Float64Array.from(qty),
        positionSpot: Uint8Array.from(spot),
        ...(named ? { accountIds: ids } : {}),
      };
    },
  };
}

/** True when the account holds a long and a short (in any underlyings): a hedge or a relative-value trade. */
export function isHedged(p: CascadePopulation, a: number): boolean {
  let long = false;
  let short = false;
  for (let e = p.positionStart[a]!; e < p.positionStart[a + 1]!; e++) {
    if (p.positionQuantity[e]! > 0) long = true;
    else if (p.positionQuantity[e]! < 0) short = true;
  }
  return long && short;
}
