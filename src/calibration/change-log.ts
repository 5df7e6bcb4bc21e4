import { canonicalJson, type ChangeLogEntry, type CorrelationEstimate, type ParameterSet } from './parameter-set.js';

/*
 * The change log of a parameter set (docs/calibration.md "Change log"): what moved since the previous version and
 * why, one entry per change, each with a readable sentence, e.g.
 *
 *   BTC price scan range 12.0% → 15.0%: EWMA vol rose from 45% to 60% (500-day realised vol 50% → 55%)
 *
 * Logged: settings that changed; underlyings added or removed; every pluggable price or vol scan range that changed
 * (explained by the vol change and by which APC window binds); GARCH persistence moves beyond
 * `persistenceChangeThreshold`; correlation moves beyond `correlationChangeThreshold` in any estimator. A first
 * version logs "initial calibration" entries instead.
 */

/** A parameter set before its change log is written. */
export type ParameterSetDraft = Omit<ParameterSet, 'changeLog'>;

const pct1 = (x: number): string => `${(x * 100).toFixed(1)}%`;
const pct0 = (x: number): string => `${(x * 100).toFixed(0)}%`;
/** Vol points: 0.085 → "8.5". */
const volPoints = (x: number): string => (x * 100).toFixed(1);

function moved(from: number, to: number, format: (x: number) => string): string {
  if (format(from) === format(to)) return `unchanged at ${format(to)}`;
  return `${to > from ? 'rose' : 'fell'} from ${format(from)} to ${format(to)}`;
}

const BINDING_TEXT = { current: 'the current window', 'ten-year': 'the APC long-window floor', stressed: 'the APC stressed-window blend' } as const;

/** "EWMA vol rose from 45% to 60% (500-day realised vol 50% → 55%)", plus the binding APC window when it changed. */
function volExplanation(u: string, next: ParameterSetDraft, previous: ParameterSet, kind: 'price' | 'vol'): string {
  const e1 = next.ewma.underlyings[u];
  const e0 = previous.ewma.underlyings[u];
  if (e1 === undefined || e0 === undefined) return 'recalibrated';
  let text =
    `EWMA vol ${moved(e0.annualisedVol, e1.annualisedVol, pct0)} ` +
    `(${next.settings.lookback}-day realised vol ${pct0(e0.lookbackAnnualisedVol)} → ${pct0(e1.lookbackAnnualisedVol)})`;
  const s1 = next.scanRanges.underlyings[u];
  const s0 = previous.scanRanges.underlyings[u];
  if (s1 !== undefined && s0 !== undefined) {
    const b1 = kind === 'price' ? s1.withApc.priceBinding : s1.withApc.volBinding;
    const b0 = kind === 'price' ? s0.withApc.priceBinding : s0.withApc.volBinding;
    if (b1 !== b0) text += `; now set by ${BINDING_TEXT[b1]} (was ${BINDING_TEXT[b0]})`;
    else if (b1 !== 'current') text += `; set by ${BINDING_TEXT[b1]}`;
    const w1 = next.scanRanges.apc.stressedWindow;
    const w0 = previous.scanRanges.apc.stressedWindow;
    if ((b1 === 'stressed' || b0 === 'stressed') && (w1.from !== w0.from || w1.to !== w0.to)) {
      text += `; stressed window now ${w1.from}..${w1.to} (was ${w0.from}..${w0.to})`;
    }
    if (kind === 'price' && s1.capped) text += '; capped to stay pluggable';
  }
  return text;
}

function entry(field: string, underlying: string | undefined, from: number | string | undefined, to: number | string | undefined, reason: string, sentence: string): ChangeLogEntry {
  return {
    field,
    ...(underlying === undefined ? {} : { underlying }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    reason,
    sentence,
  };
}

function initialEntries(next: ParameterSetDraft, u: string, reason: string): ChangeLogEntry[] {
  const out: ChangeLogEntry[] = [];
  const s = next.scanRanges.underlyings[u];
  const g = next.garch.underlyings[u];
  if (s !== undefined) {
    out.push(entry(`scanRanges.${u}.priceScanRange`, u, undefined, s.span.priceScanRange, reason, `${u} price scan range ${pct1(s.span.priceScanRange)}: ${reason}`));
    out.push(entry(`scanRanges.${u}.volScanRange`, u, undefined, s.span.volScanRange, reason, `${u} vol scan range ${volPoints(s.span.volScanRange)} vol points: ${reason}`));
  }
  if (g !== undefined) {
    out.push(entry(`garch.${u}.persistence`, u, undefined, g.persistence, reason, `${u} GARCH persistence ${g.persistence.toFixed(3)}: ${reason}`));
  }
  return out;
}

function halfLife(days: number | undefined): string {
  return days === undefined ? 'never (α + β ≥ 1)' : `${days.toFixed(1)} days`;
}

function correlationWhy(name: string, next: ParameterSetDraft, previous: ParameterSet): string {
  const w1 = next.lookbackWindow;
  const w0 = previous.lookbackWindow;
  const lookback = `lookback now ${w1.from}..${w1.to} (was ${w0.from}..${w0.to})`;
  switch (name) {
    case 'stressed': {
      const s1 = next.correlations.stressed.window;
      const s0 = previous.correlations.stressed.window;
      return s1.from === s0.from && s1.to === s0.to ? 'same stressed window; overrides or repair changed' : `stressed window now ${s1.from}..${s1.to} (was ${s0.from}..${s0.to})`;
    }
    case 'ewma':
      return `EWMA (λ = ${next.ewma.lambda}) weighs the most recent days; ${lookback}`;
    case 'ledoitWolf':
      return `${lookback}; shrinkage ${previous.correlations.ledoitWolf.shrinkage.toFixed(3)} → ${next.correlations.ledoitWolf.shrinkage.toFixed(3)}`;
    default:
      return lookback;
  }
}

const ESTIMATOR_TEXT: Record<string, string> = { sample: 'sample', ewma: 'EWMA', ledoitWolf: 'Ledoit–Wolf', stressed: 'stressed' };

/** The change log of `next` against `previous` (see the file comment). Pure; entries in a fixed order. */
export function buildChangeLog(next: ParameterSetDraft, previous: ParameterSet | undefined): ChangeLogEntry[] {
  const underlyings = next.createdFrom.underlyings;
  if (previous === undefined) return underlyings.flatMap((u) => initialEntries(next, u, 'initial calibration'));

  const log: ChangeLogEntry[] = [];
  const settingsKeys = new Set([...Object.keys(next.settings), ...Object.keys(previous.settings)]);
  for (const key of [...settingsKeys].sort()) {
    if (key === 'asOf') continue;
    const a = (previous.settings as Record<string, unknown>)[key];
    const b = (next.settings as Record<string, unknown>)[key];
    if (canonicalJson(a) !== canonicalJson(b)) {
      const from = a === undefined ? 'unset' : canonicalJson(a);
      const to = b === undefined ? 'unset' : canonicalJson(b);
      log.push(entry(`settings.${key}`, undefined, from, to, 'calibration settings changed', `${key} ${from} → ${to}: calibration settings changed`));
    }
  }

  for (const u of previous.createdFrom.underlyings) {
    if (underlyings.includes(u)) continue;
    const s = previous.scanRanges.underlyings[u];
    const was = s === undefined ? '' : ` (was price scan range ${pct1(s.span.priceScanRange)})`;
    log.push(entry(`underlyings.${u}`, u, 'calibrated', 'removed', 'no longer calibrated', `${u} removed: no longer calibrated${was}`));
  }

  for (const u of underlyings) {
    if (!previous.createdFrom.underlyings.includes(u)) {
      const s = next.scanRanges.underlyings[u];
      log.push(
        entry(`underlyings.${u}`, u, 'absent', 'added', 'new underlying', `${u} added: initial calibration${s === undefined ? '' : `, price scan range ${pct1(s.span.priceScanRange)}`}`),
        ...initialEntries(next, u, 'initial calibration (new underlying)'),
      );
      continue;
    }
    const s1 = next.scanRanges.underlyings[u];
    const s0 = previous.scanRanges.underlyings[u];
    if (s1 !== undefined && s0 !== undefined) {
      if (s1.span.priceScanRange !== s0.span.priceScanRange) {
        const why = volExplanation(u, next, previous, 'price');
        log.push(
          entry(`scanRanges.${u}.priceScanRange`, u, s0.span.priceScanRange, s1.span.priceScanRange, why, `${u} price scan range ${pct1(s0.span.priceScanRange)} → ${pct1(s1.span.priceScanRange)}: ${why}`),
        );
      }
      if (s1.span.volScanRange !== s0.span.volScanRange) {
        const why = volExplanation(u, next, previous, 'vol');
        log.push(
          entry(
            `scanRanges.${u}.volScanRange`,
            u,
            s0.span.volScanRange,
            s1.span.volScanRange,
            why,
            `${u} vol scan range ${volPoints(s0.span.volScanRange)} → ${volPoints(s1.span.volScanRange)} vol points: ${why}`,
          ),
        );
      }
    }
    const g1 = next.garch.underlyings[u];
    const g0 = previous.garch.underlyings[u];
    if (g1 !== undefined && g0 !== undefined && Math.abs(g1.persistence - g0.persistence) > next.settings.persistenceChangeThreshold) {
      const why = `variance shocks now halve in ${halfLife(g1.halfLifeDays)} instead of ${halfLife(g0.halfLifeDays)} (α ${g0.alpha.toFixed(3)} → ${g1.alpha.toFixed(3)}, β ${g0.beta.toFixed(3)} → ${g1.beta.toFixed(3)})`;
      log.push(entry(`garch.${u}.persistence`, u, g0.persistence, g1.persistence, why, `${u} GARCH persistence ${g0.persistence.toFixed(3)} → ${g1.persistence.toFixed(3)}: ${why}`));
    }
  }

  // Correlations of pairs calibrated in both sets, per estimator.
  const order1 = next.correlations.underlyings;
  const order0 = previous.correlations.underlyings;
  const threshold = next.settings.correlationChangeThreshold;
  for (const name of ['sample', 'ewma', 'ledoitWolf', 'stressed'] as const) {
    const m1: CorrelationEstimate = next.correlations[name];
    const m0: CorrelationEstimate = previous.correlations[name];
    for (let i = 0; i < order1.length; i++) {
      for (let j = i + 1; j < order1.length; j++) {
        const a = order1[i] as string;
        const b = order1[j] as string;
        const i0 = order0.indexOf(a);
        const j0 = order0.indexOf(b);
        if (i0 < 0 || j0 < 0) continue;
        const to = m1.matrix[i]?.[j];
        const from = m0.matrix[i0]?.[j0];
        if (to === undefined || from === undefined || !(Math.abs(to - from) > threshold)) continue;
        const why = correlationWhy(name, next, previous);
        const delta = to - from;
        log.push(
          entry(
            `correlations.${name}.${a}/${b}`,
            undefined,
            from,
            to,
            why,
            `${a}/${b} ${ESTIMATOR_TEXT[name]} correlation ${from.toFixed(2)} → ${to.toFixed(2)} (${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(2)}, threshold ${threshold}): ${why}`,
          ),
        );
      }
    }
  }
  return log;
}
