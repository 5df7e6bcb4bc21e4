import { checkIndicators, checkInteger } from './check-arguments.js';

/**
 * The exception series Christoffersen's independence and conditional-coverage tests run on when the P&L of
 * consecutive observations overlaps (backtesting docs, "Overlapping windows").
 *
 * A walk-forward backtest at a margin period of risk of h > 1 days sets a margin every day and compares it with the
 * P&L of the next h days, so the windows (t, t + h] and (t + 1, t + 1 + h] share h − 1 days: one large move is an
 * exception on up to h consecutive decision days, whatever the model. Under a correct model the exception indicators
 * are then (h − 1)-dependent, not independent, so Christoffersen's (1998, International Economic Review 39(4),
 * "Evaluating Interval Forecasts") first-order Markov test — built for one-step-ahead forecasts, whose hit sequence
 * is i.i.d. Bernoulli(p) under correct conditional coverage — rejects correct models.
 *
 * We keep every h-th decision day from the first: t = 0, h, 2h, … Those windows tile the period without overlap,
 * and the margin at t + h is set with data up to t + h, which already contains the whole window (t, t + h]: under
 * correct conditional coverage at horizon h the subsampled indicators are i.i.d. Bernoulli(p), exactly Christoffersen's
 * null. This is the subsampling Diebold, Gunther & Tay (1998, International Economic Review 39(4), "Evaluating
 * Density Forecasts…", on h-step-ahead forecasts) propose for (h − 1)-dependent multi-step forecast errors (they
 * also test the other h − 1 phases and combine them with Bonferroni bounds; we report the one phase that starts on
 * the first decision day, so the figure is one test with its nominal size). The regulatory alternative — one-day P&L
 * against a one-day VaR, as the Basel backtest (BCBS 1996, "Supervisory framework for the use of backtesting…";
 * FRTB MAR32) does precisely to avoid overlapping observations — needs a one-day margin, which the margin models
 * (SPAN scan ranges, venue fractions) do not produce: √h scaling would test a different figure from the one posted.
 *
 * h = 1 returns the series itself (one-day windows do not overlap), so the figures of a daily backtest are unchanged.
 */
export function nonOverlappingIndicators(indicators: Uint8Array, horizon: number): Uint8Array {
  checkIndicators('indicators', indicators);
  checkInteger('horizon', horizon, 1);
  if (horizon === 1) return indicators;
  const out = new Uint8Array(Math.ceil(indicators.length / horizon));
  for (let k = 0; k < out.length; k++) out[k] = indicators[k * horizon]!;
  return out;
}

/** Which exception series the Christoffersen tests used: what the reports print and the JSON carries. */
export interface IndependenceWindowing {
  /** 'daily': h = 1, every day; 'non-overlapping': every h-th day from the first, h-day P&L against the margin at the window's start. */
  readonly kind: 'daily' | 'non-overlapping';
  /** P&L horizon h in days (the margin period of risk); also the step between the tested days. */
  readonly horizon: number;
  /** Observations in the tested series: ⌈T / h⌉. */
  readonly observations: number;
  /** Exceptions among them. */
  readonly exceptions: number;
  /** One line for people, e.g. "non-overlapping 10-day windows: every 10th day from the first (25 of 250 days)". */
  readonly description: string;
}

/** The windowing record for a series of T days at horizon h whose tested subsample has `exceptions` exceptions. */
export function independenceWindowing(days: number, horizon: number, exceptions: number): IndependenceWindowing {
  const observations = Math.ceil(days / horizon);
  if (horizon === 1) {
    return { kind: 'daily', horizon, observations, exceptions, description: `every day: 1-day windows do not overlap (${days} days)` };
  }
  return {
    kind: 'non-overlapping',
    horizon,
    observations,
    exceptions,
    description: `non-overlapping ${horizon}-day windows: every ${ordinal(horizon)} day from the first (${observations} of ${days} days)`,
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}
