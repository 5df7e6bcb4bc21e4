import { isIsoDate } from '../../core/dates.js';
import { CrossmarginError } from '../../core/errors.js';
import { lastDateIndexOnOrBefore, type MarketHistory } from './market-history.js';

/**
 * The history cut at `asOf` (dates ≤ asOf): a calibration, stress or replay as of a date must not see later data. Arrays are views, not
 * copies. `ranges`, `gaps` and `dropped` still describe the input files. HISTORY_INVALID when every date is later.
 */
export function restrictHistory(history: MarketHistory, asOf: string): MarketHistory {
  if (!isIsoDate(asOf)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `asOf: expected a calendar date YYYY-MM-DD, got "${asOf}"`, { field: 'asOf', details: { value: asOf } });
  }
  const last = lastDateIndexOnOrBefore(history.dates, asOf);
  if (last < 0) {
    throw new CrossmarginError('HISTORY_INVALID', `asOf ${asOf} is before the aligned history of ${history.underlyings.join(', ')}, which starts ${history.dates[0] ?? '(empty)'}`, {
      field: 'asOf',
      details: { asOf, first: history.dates[0] },
    });
  }
  if (last === history.dates.length - 1) return history;
  const cut = last + 1;
  const volIndex = new Map<string, Float64Array>();
  for (const [u, v] of history.volIndex) volIndex.set(u, v.subarray(0, cut));
  return {
    ...history,
    dates: history.dates.slice(0, cut),
    close: history.close.map((c) => c.subarray(0, cut)),
    volume: history.volume.map((v) => v.subarray(0, cut)),
    volIndex,
  };
}
