import { CrossmarginError } from '../../core/errors.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';

/**
 * A copy of a market snapshot file in which every implied vol of `underlying` (its flat `atm` vol and every smile
 * point) is multiplied by `factor` (> 0): a relative vol move, 1.2 = vols up 20 % of their level (0.50 → 0.60).
 * Prices, forwards, strikes and other underlyings are unchanged. An underlying without a vol is returned as is
 * (only options need one, and the pricer reports MARKET_VOL_MISSING for them already).
 *
 * Throws MARKET_UNDERLYING_MISSING when the snapshot has no such underlying, SCHEMA_INVALID for a bad factor.
 */
export function shiftVol(snapshot: MarketSnapshotFile, underlying: string, factor: number): MarketSnapshotFile {
  if (!(Number.isFinite(factor) && factor > 0)) {
    throw new CrossmarginError('SCHEMA_INVALID', `volFactor: expected a positive finite number, got ${factor}`, { field: 'volFactor' });
  }
  const source = Object.hasOwn(snapshot.underlyings, underlying) ? snapshot.underlyings[underlying] : undefined;
  if (source === undefined) {
    throw new CrossmarginError('MARKET_UNDERLYING_MISSING', `underlyings.${underlying}: underlying "${underlying}" is not in the market snapshot`, {
      field: `underlyings.${underlying}`,
      details: { underlying, available: Object.keys(snapshot.underlyings) },
    });
  }
  const copy = structuredClone(snapshot);
  const vol = source.vol;
  if (vol === undefined || factor === 1) return copy;
  copy.underlyings[underlying] = {
    ...structuredClone(source),
    vol: {
      ...(vol.atm === undefined ? {} : { atm: vol.atm * factor }),
      ...(vol.smiles === undefined ? {} : { smiles: vol.smiles.map((s) => ({ ...s, strikes: [...s.strikes], vols: s.vols.map((v) => v * factor) })) }),
    },
  };
  return copy;
}
