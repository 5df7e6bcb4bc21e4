import { CrossmarginError } from '../core/errors.js';
import type { PriceHistory } from './price-history.js';

const MS_PER_DAY = 86_400_000;

export interface PanelInput {
  /** Asset name, unique within the panel (e.g. `BTC`). */
  readonly name: string;
  readonly history: Pick<PriceHistory, 'dates' | 'close'>;
}

export interface PanelGap {
  readonly name: string;
  /** Last date before the gap and first date after it (both present in the series). */
  readonly from: string;
  readonly to: string;
  /** Calendar days from `from` to `to` (a normal weekend is 3). */
  readonly days: number;
}

export interface AlignedPanel {
  /** Dates present in every input, ascending. */
  readonly dates: readonly string[];
  readonly names: readonly string[];
  /** One close series per asset, in `names` order, each aligned to `dates`. */
  readonly closes: readonly Float64Array[];
  /** Per asset (in `names` order, always present, possibly empty): its dates missing from some other input. */
  readonly dropped: readonly { readonly name: string; readonly dates: readonly string[] }[];
  /** Calendar gaps longer than `gapDays` between consecutive dates inside each input series (whole series). */
  readonly gaps: readonly PanelGap[];
}

export interface AlignPanelOptions {
  /** Report gaps of more than this many calendar days (default 5: longer than a long weekend). */
  readonly gapDays?: number;
}

function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / MS_PER_DAY;
}

/**
 * Aligns several daily series on the dates they all share (intersection; no filling). Mixing a 7-day crypto
 * calendar with an exchange calendar therefore keeps exchange days only, and `dropped` lists what was lost.
 * Gaps are reported, never thrown. Throws HISTORY_INVALID for no inputs, duplicate names, dates not strictly
 * ascending or not matching the closes, and when the intersection is empty.
 */
export function alignPanel(histories: readonly PanelInput[], options: AlignPanelOptions = {}): AlignedPanel {
  const gapDays = options.gapDays ?? 5;
  if (!(Number.isFinite(gapDays) && gapDays >= 0)) {
    throw new CrossmarginError('HISTORY_INVALID', `gapDays: expected a non-negative number of days, got ${gapDays}`, { field: 'gapDays' });
  }
  if (histories.length === 0) {
    throw new CrossmarginError('HISTORY_INVALID', 'histories: a panel needs at least one series', { field: 'histories' });
  }
  const names = histories.map((h) => h.name);
  const counts = new Map<string, number>();
  const gaps: PanelGap[] = [];
  histories.forEach(({ name, history }, a) => {
    if (names.indexOf(name) !== a) {
      throw new CrossmarginError('HISTORY_INVALID', `histories.${a}.name: "${name}" appears twice in the panel`, { field: `histories.${a}.name` });
    }
    const { dates, close } = history;
    if (dates.length !== close.length) {
      throw new CrossmarginError('HISTORY_INVALID', `histories.${a} (${name}): ${dates.length} dates but ${close.length} closes`, {
        field: `histories.${a}.history`,
      });
    }
    let prevDay = Number.NaN;
    dates.forEach((d, i) => {
      const day = dayNumber(d);
      if (i > 0 && !(day > prevDay)) {
        const field = `histories.${a}.history.dates.${i}`;
        throw new CrossmarginError('HISTORY_INVALID', `${field} (${name}): ${d} is not after ${dates[i - 1]}`, { field });
      }
      if (i > 0 && day - prevDay > gapDays) gaps.push({ name, from: dates[i - 1] as string, to: d, days: day - prevDay });
      prevDay = day;
      counts.set(d, (counts.get(d) ?? 0) + 1);
    });
  });

  const k = histories.length;
  const first = histories[0] as PanelInput;
  const dates = first.history.dates.filter((d) => counts.get(d) === k);
  if (dates.length === 0) {
    throw new CrossmarginError('HISTORY_INVALID', `histories: the series ${names.join(', ')} share no date`, {
      field: 'histories',
      details: { names },
    });
  }
  const closes: Float64Array[] = [];
  const dropped: { name: string; dates: string[] }[] = [];
  for (const { name, history } of histories) {
    const out = new Float64Array(dates.length);
    const lost: string[] = [];
    let j = 0;
    history.dates.forEach((d, i) => {
      if (counts.get(d) === k) out[j++] = history.close[i] as number;
      else lost.push(d);
    });
    closes.push(out);
    dropped.push({ name, dates: lost });
  }
  return { dates, names, closes, dropped, gaps };
}
