import { basename } from 'node:path';
import { CrossmarginError } from '../../core/errors.js';
import { alignPanel, type PanelInput } from '../../market/aligned-panel.js';
import { loadPriceHistory } from '../../market/load-price-history.js';
import type { PriceHistory } from '../../market/price-history.js';
import { loadHistoryCatalogue, HISTORY_CATALOGUE_FILE } from './history-catalogue.js';
import { volIndexSeriesName, type MarketHistory, type SeriesRange, type VolumeUnit } from './market-history.js';
import { packageRoot } from '../../market/package-root.js';

/** One parsed `--history` entry: the close series of an underlying, or its implied-vol index. */
export interface HistorySpec {
  readonly kind: 'close' | 'volIndex';
  readonly underlying: string;
  /** As written (relative paths resolve against the working directory, like every CLI input file). */
  readonly path: string;
  /** True when the underlying was inferred from the file name (bare path). */
  readonly inferred: boolean;
  /** The spec as given, for error messages. */
  readonly spec: string;
}

/**
 * File-name inference for bare `--history` paths. The file name (without directory and extension, lower case) is
 * cut at the first `_`, `-`, `.` or space; the leading token is looked up here, and failing that, with a trailing
 * `usdt` or `usd` removed (`BTCUSD_1d.csv`, `ethusdt.csv`). Examples: `btc_usd_daily.csv` → BTC,
 * `sp500_daily.csv` → SPX, `xauusd_daily.csv` → XAU, `vix_daily.csv` → vol index of SPX.
 *
 * | leading token | meaning |
 * |---|---|
 * | btc, xbt, bitcoin | BTC |
 * | eth, ethereum | ETH |
 * | sol, solana | SOL |
 * | xrp | XRP |
 * | doge, dogecoin | DOGE |
 * | ltc, litecoin | LTC |
 * | paxg | PAXG |
 * | xau, gold | XAU |
 * | sp500, spx, gspc | SPX |
 * | dax, smi, cac, ftse | DAX, SMI, CAC, FTSE |
 * | vix | vol index of SPX |
 */
export const HISTORY_FILE_NAME_INFERENCE: ReadonlyMap<string, { readonly kind: HistorySpec['kind']; readonly underlying: string }> = new Map<
  string,
  { readonly kind: HistorySpec['kind']; readonly underlying: string }
>([
  ...(
    [
      ['btc', 'BTC'],
      ['xbt', 'BTC'],
      ['bitcoin', 'BTC'],
      ['eth', 'ETH'],
      ['ethereum', 'ETH'],
      ['sol', 'SOL'],
      ['solana', 'SOL'],
      ['xrp', 'XRP'],
      ['doge', 'DOGE'],
      ['dogecoin', 'DOGE'],
      ['ltc', 'LTC'],
      ['litecoin', 'LTC'],
      ['paxg', 'PAXG'],
      ['xau', 'XAU'],
      ['gold', 'XAU'],
      ['sp500', 'SPX'],
      ['spx', 'SPX'],
      ['gspc', 'SPX'],
      ['dax', 'DAX'],
      ['smi', 'SMI'],
      ['cac', 'CAC'],
      ['ftse', 'FTSE'],
    ] as const
  ).map(([token, underlying]) => [token, { kind: 'close' as const, underlying }] as const),
  ['vix', { kind: 'volIndex', underlying: 'SPX' }],
]);

/** Underlying names: what a portfolio may call an underlying, without the spec syntax characters `:` and `=`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAMED_SPEC = /^([^=:]*)(?::([^=]*))?=(.*)$/;

function usage(spec: string, message: string, details: Record<string, unknown> = {}): CrossmarginError {
  return new CrossmarginError('USAGE_INVALID', `history "${spec}": ${message}`, { field: 'history', details: { spec, ...details } });
}

/** Underlying (and kind) a bare history path stands for, per HISTORY_FILE_NAME_INFERENCE; undefined when unknown. */
export function inferHistoryFile(path: string): { readonly kind: HistorySpec['kind']; readonly underlying: string } | undefined {
  const stem = basename(path).toLowerCase().replace(/\.[^.]*$/, '');
  const token = stem.split(/[_\-. ]/)[0] ?? '';
  const direct = HISTORY_FILE_NAME_INFERENCE.get(token);
  if (direct !== undefined) return direct;
  const quoteless = token.replace(/usdt?$/, '');
  return quoteless === token || quoteless === '' ? undefined : HISTORY_FILE_NAME_INFERENCE.get(quoteless);
}

/**
 * Parses one `--history` entry: `NAME=path.csv` (the close history of NAME), `NAME:vol=path.csv` (NAME's implied-vol
 * index, in vol points like VIX), or a bare path whose meaning comes from its file name (HISTORY_FILE_NAME_INFERENCE).
 * A bare path cannot contain `=`. USAGE_INVALID for an empty spec, a missing or malformed name, a qualifier other
 * than `vol`, an empty path, or a file name that cannot be inferred.
 */
export function parseHistorySpec(spec: string): HistorySpec {
  const text = spec.trim();
  if (text === '') throw usage(spec, 'empty; expected NAME=path.csv, NAME:vol=path.csv or a path such as data/btc_usd_daily.csv');
  const named = NAMED_SPEC.exec(text);
  if (named !== null) {
    const name = (named[1] ?? '').trim();
    const qualifier = named[2]?.trim();
    const path = (named[3] ?? '').trim();
    if (name === '') throw usage(spec, 'missing underlying name before "="; expected NAME=path.csv');
    if (!NAME.test(name)) throw usage(spec, `"${name}" is not an underlying name (letters, digits, ".", "_", "-")`);
    if (qualifier !== undefined && qualifier !== 'vol') throw usage(spec, `unknown qualifier ":${qualifier}"; the only one is ":vol" (implied-vol index)`);
    if (path === '') throw usage(spec, `missing file path after "="`);
    return { kind: qualifier === 'vol' ? 'volIndex' : 'close', underlying: name, path, inferred: false, spec };
  }
  if (text.includes(':') && !/^[A-Za-z]:[\\/]/.test(text) && !text.includes('/') && !text.includes('\\')) {
    throw usage(spec, 'a qualified spec needs "=": expected NAME:vol=path.csv');
  }
  const inferred = inferHistoryFile(text);
  if (inferred === undefined) {
    throw usage(spec, `cannot tell the underlying from the file name "${basename(text)}"; write NAME=${text} (known names: ${[...HISTORY_FILE_NAME_INFERENCE.keys()].join(', ')})`);
  }
  return { ...inferred, path: text, inferred: true, spec };
}

interface SeriesPlan {
  readonly name: string;
  readonly path: string;
}

function checkUnderlyings(underlyings: readonly string[]): void {
  if (underlyings.length === 0) {
    throw new CrossmarginError('HISTORY_INVALID', 'underlyings: a market history needs at least one underlying', { field: 'underlyings' });
  }
  underlyings.forEach((u, i) => {
    if (!NAME.test(u)) {
      throw new CrossmarginError('HISTORY_INVALID', `underlyings.${i}: "${u}" is not an underlying name (letters, digits, ".", "_", "-")`, { field: `underlyings.${i}` });
    }
    if (underlyings.indexOf(u) !== i) {
      throw new CrossmarginError('HISTORY_INVALID', `underlyings.${i}: ${u} is requested twice`, { field: `underlyings.${i}` });
    }
  });
}

/** Volume of `h` on the aligned dates (both lists ascending, aligned ⊆ h.dates): one merge walk. */
function alignVolume(h: PriceHistory, dates: readonly string[]): Float64Array {
  const out = new Float64Array(dates.length);
  let j = 0;
  for (let t = 0; t < dates.length; t++) {
    const d = dates[t] as string;
    while ((h.dates[j] as string) < d) j++;
    out[t] = h.volume[j] as number;
  }
  return out;
}

/**
 * Loads and aligns the daily history of `underlyings` (in that order).
 *
 * Each underlying's close series comes from a `--history` spec naming it (`specs`, see parseHistorySpec), else from
 * data/history-catalogue.json under `root` (default: the project root). Its vol index comes from a `NAME:vol=` spec
 * (or a bare `vix*.csv` for SPX), else from the catalogue entry's `volIndex` — also when the close came from a spec,
 * since the index describes the underlying, not the file. Vol index files are in vol points and are divided by 100.
 *
 * All series, vol indices included, are aligned on their common dates (alignPanel: intersection, no filling).
 *
 * Errors: USAGE_INVALID for a malformed spec, two specs for the same series, or a spec naming an underlying that was
 * not requested (so a typo such as `BTX=` cannot silently fall back to the catalogue); HISTORY_INVALID naming an
 * underlying that has neither a spec nor a catalogue entry, and whatever the file loaders and alignPanel report
 * (FILE_NOT_FOUND, CSV_MALFORMED, HISTORY_INVALID with the file and row).
 */
export function loadMarketHistory(underlyings: readonly string[], specs: readonly string[] = [], root?: string): MarketHistory {
  checkUnderlyings(underlyings);
  const parsed = specs.map(parseHistorySpec);
  const closeSpec = new Map<string, HistorySpec>();
  const volSpec = new Map<string, HistorySpec>();
  for (const s of parsed) {
    if (!underlyings.includes(s.underlying)) {
      const what = s.kind === 'close' ? 'history' : 'vol index';
      throw usage(s.spec, `${s.inferred ? `the file name says it is the ${what} of ${s.underlying}, ` : ''}but ${s.underlying} is not among the underlyings needed (${underlyings.join(', ')})`, {
        underlying: s.underlying,
      });
    }
    const target = s.kind === 'close' ? closeSpec : volSpec;
    const previous = target.get(s.underlying);
    if (previous !== undefined) {
      throw usage(s.spec, `${s.underlying} ${s.kind === 'close' ? 'history' : 'vol index'} is already given by "${previous.spec}"`, { underlying: s.underlying });
    }
    target.set(s.underlying, s);
  }

  const catalogue = loadHistoryCatalogue(root ?? packageRoot());
  const closePlans: SeriesPlan[] = [];
  const volumeUnit: VolumeUnit[] = [];
  const volPlans: { underlying: string; plan: SeriesPlan }[] = [];
  for (const u of underlyings) {
    const spec = closeSpec.get(u);
    const entry = catalogue.entries.get(u);
    if (spec !== undefined) {
      closePlans.push({ name: u, path: spec.path });
      // A user file's volume unit is not declared; the catalogue's unit describes a different file.
      volumeUnit.push('unknown');
    } else if (entry !== undefined) {
      closePlans.push({ name: u, path: entry.path });
      volumeUnit.push(entry.volumeUnit);
    } else {
      throw new CrossmarginError(
        'HISTORY_INVALID',
        `${u}: no price history: no history spec names it and ${HISTORY_CATALOGUE_FILE} has no entry for it ` +
          `(catalogued: ${[...catalogue.entries.keys()].join(', ')}); add a history spec for it, e.g. ${u}=path/to/${u.toLowerCase()}_daily.csv`,
        { field: u, details: { underlying: u, catalogued: [...catalogue.entries.keys()] } },
      );
    }
    const volPath = volSpec.get(u)?.path ?? entry?.volIndexPath;
    if (volPath !== undefined) volPlans.push({ underlying: u, plan: { name: volIndexSeriesName(u), path: volPath } });
  }

  // One parse per file even when a file serves twice (the same CSV for two names).
  const cache = new Map<string, PriceHistory>();
  const load = (path: string): PriceHistory => {
    let h = cache.get(path);
    if (h === undefined) {
      h = loadPriceHistory(path);
      cache.set(path, h);
    }
    return h;
  };
  const plans = [...closePlans, ...volPlans.map((v) => v.plan)];
  const histories = plans.map((p) => load(p.path));
  const inputs: PanelInput[] = plans.map((p, i) => ({ name: p.name, history: histories[i] as PriceHistory }));
  const panel = alignPanel(inputs);

  const ranges: SeriesRange[] = plans.map((p, i) => {
    const h = histories[i] as PriceHistory;
    return { name: p.name, source: p.path, first: h.dates[0] as string, last: h.dates[h.dates.length - 1] as string, rows: h.dates.length };
  });
  const close = panel.closes.slice(0, underlyings.length);
  const volume = closePlans.map((_, u) => alignVolume(histories[u] as PriceHistory, panel.dates));
  const volIndex = new Map<string, Float64Array>();
  volPlans.forEach(({ underlying }, k) => {
    const points = panel.closes[underlyings.length + k] as Float64Array;
    // Vol indices are quoted in vol points (VIX 38.15); the engine's unit is the decimal (DESIGN.md "Units").
    const decimal = new Float64Array(points.length);
    for (let t = 0; t < points.length; t++) decimal[t] = (points[t] as number) / 100;
    volIndex.set(underlying, decimal);
  });
  return {
    dates: panel.dates,
    underlyings: [...underlyings],
    close,
    volume,
    volumeUnit,
    volIndex,
    sources: plans.map((p) => p.path),
    ranges,
    gaps: panel.gaps,
    dropped: panel.dropped,
  };
}
