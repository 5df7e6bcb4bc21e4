import { CrossmarginError } from '../../core/errors.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';

/** How the vol surface follows a scaled price. */
export type VolDynamics = 'sticky-moneyness' | 'sticky-strike';

export interface ScaleUnderlyingOptions {
  /**
   * `sticky-moneyness` (default): smile strikes scale with the price, so every option keeps the vol of its
   * moneyness (the smile moves with the market). `sticky-strike`: strikes stay, each strike keeps its vol.
   * A flat `atm` vol is the same either way.
   */
  readonly vol?: VolDynamics;
}

/**
 * A copy of a market snapshot file in which `underlying`'s price level is multiplied by `k` (k > 0): its index,
 * every forward, its `fx` entry when it is also priced there as a collateral currency (`fx.BTC`), and, with
 * sticky-moneyness vols, its smile strikes. Rates, vol levels, other underlyings and `asOf` are unchanged. Parse the
 * result with parseMarketSnapshot to re-run any margin model at the shifted price (the liquidation-price search).
 *
 * Throws MARKET_UNDERLYING_MISSING when the snapshot has no such underlying, SCHEMA_INVALID for a bad k.
 */
export function scaleUnderlying(snapshot: MarketSnapshotFile, underlying: string, k: number, options: ScaleUnderlyingOptions = {}): MarketSnapshotFile {
  if (!(Number.isFinite(k) && k > 0)) {
    throw new CrossmarginError('SCHEMA_INVALID', `indexScale: expected a positive finite number, got ${k}`, { field: 'indexScale' });
  }
  const source = snapshot.underlyings[underlying];
  if (source === undefined || !Object.hasOwn(snapshot.underlyings, underlying)) {
    const available = Object.keys(snapshot.underlyings);
    throw new CrossmarginError('MARKET_UNDERLYING_MISSING', `underlyings.${underlying}: underlying "${underlying}" is not in the market snapshot`, {
      field: `underlyings.${underlying}`,
      details: { underlying, available },
    });
  }
  const copy = structuredClone(snapshot);
  const u = structuredClone(source);
  u.index = source.index * k;
  if (source.forwards !== undefined) {
    u.forwards = Object.fromEntries(Object.entries(source.forwards).map(([expiry, f]) => [expiry, f * k]));
  }
  if ((options.vol ?? 'sticky-moneyness') === 'sticky-moneyness' && u.vol?.smiles !== undefined) {
    u.vol.smiles = u.vol.smiles.map((smile) => ({ ...smile, strikes: smile.strikes.map((strike) => strike * k) }));
  }
  copy.underlyings[underlying] = u;
  // fxRate prefers `fx` over the index, so a coin priced there must move with it (collateral is stressed too).
  const fx = copy.fx;
  if (fx !== undefined && Object.hasOwn(fx, underlying)) fx[underlying] = (fx[underlying] as number) * k;
  return copy;
}
