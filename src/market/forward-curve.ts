import { CrossmarginError } from '../core/errors.js';
import { yearFraction } from '../core/dates.js';

/** One quoted forward: the expiry instant (epoch ms) and its price in the quote currency. */
export interface ForwardQuote {
  readonly expiryMs: number;
  readonly forward: number;
}

export interface ForwardCurveInput {
  /** Valuation instant (epoch ms); times are ACT/365 years from here. */
  readonly asOfMs: number;
  /** Spot / index level, quote currency. */
  readonly index: number;
  /** Continuously compounded carry rate per year, used only when there are no quoted forwards. */
  readonly rate: number;
  /** Quoted forwards; every expiry must be after `asOfMs`. Any order. */
  readonly forwards?: readonly ForwardQuote[];
  /** Field prefix for errors, e.g. `underlyings.BTC`. */
  readonly field?: string;
}

/**
 * Forward price of one underlying as a function of expiry.
 *
 * Rules, in order:
 * 1. expiry at or before asOf (T ≤ 0, perpetuals and spot): the index;
 * 2. an expiry that is exactly a quoted instant: that quote;
 * 3. quoted forwards exist: the implied carry r_i = ln(F_i/S)/T_i is interpolated linearly in T between the
 *    quotes and held flat before the first and after the last, and F = S·e^{r(T)·T} (so the curve passes
 *    through every quote and never produces a negative forward);
 * 4. otherwise S·e^{rate·T}.
 */
export class ForwardCurve {
  readonly asOfMs: number;
  readonly index: number;
  readonly rate: number;
  private readonly quoted: Map<number, number>;
  /** Quote times (years), ascending, and the implied carry rates at them. */
  private readonly taus: Float64Array;
  private readonly carries: Float64Array;
  private readonly quotes: readonly ForwardQuote[];

  constructor(input: ForwardCurveInput) {
    const prefix = input.field === undefined ? '' : `${input.field}.`;
    if (!(Number.isFinite(input.index) && input.index > 0)) {
      throw new CrossmarginError('MARKET_DATA_INVALID', `${prefix}index: expected a positive number, got ${input.index}`, { field: `${prefix}index` });
    }
    if (!Number.isFinite(input.rate)) {
      throw new CrossmarginError('MARKET_DATA_INVALID', `${prefix}rate: expected a finite number, got ${input.rate}`, { field: `${prefix}rate` });
    }
    this.asOfMs = input.asOfMs;
    this.index = input.index;
    this.rate = input.rate;
    const sorted = [...(input.forwards ?? [])].sort((a, b) => a.expiryMs - b.expiryMs);
    this.quoted = new Map();
    this.taus = new Float64Array(sorted.length);
    this.carries = new Float64Array(sorted.length);
    sorted.forEach((q, i) => {
      const field = `${prefix}forwards.${new Date(q.expiryMs).toISOString()}`;
      if (!(Number.isFinite(q.forward) && q.forward > 0)) {
        throw new CrossmarginError('MARKET_DATA_INVALID', `${field}: expected a positive forward, got ${q.forward}`, { field });
      }
      if (!(q.expiryMs > input.asOfMs)) {
        throw new CrossmarginError('MARKET_DATA_INVALID', `${field}: forward expiry is not after asOf`, { field });
      }
      if (this.quoted.has(q.expiryMs)) {
        throw new CrossmarginError('MARKET_DATA_INVALID', `${field}: duplicate forward expiry`, { field });
      }
      this.quoted.set(q.expiryMs, q.forward);
      const tau = yearFraction(input.asOfMs, q.expiryMs);
      this.taus[i] = tau;
      this.carries[i] = Math.log(q.forward / input.index) / tau;
    });
    this.quotes = Object.freeze(sorted.map((q) => Object.freeze({ expiryMs: q.expiryMs, forward: q.forward })));
  }

  /** Quoted forwards, ascending by expiry. */
  get quotedForwards(): readonly ForwardQuote[] {
    return this.quotes;
  }

  /** Forward for an expiry instant (epoch ms), quote currency. */
  forward(expiryMs: number): number {
    if (expiryMs <= this.asOfMs) return this.index;
    const quoted = this.quoted.get(expiryMs);
    if (quoted !== undefined) return quoted;
    return this.forwardAtTau(yearFraction(this.asOfMs, expiryMs));
  }

  /** Forward for a time to expiry in ACT/365 years (no exact-quote lookup: rule 3 reproduces quotes to rounding). */
  forwardAtTau(tau: number): number {
    if (tau <= 0) return this.index;
    return this.index * Math.exp(this.carryRate(tau) * tau);
  }

  /** Continuously compounded carry rate (per year) the curve applies over [0, tau]. */
  carryRate(tau: number): number {
    const n = this.taus.length;
    if (n === 0) return this.rate;
    const taus = this.taus;
    const carries = this.carries;
    if (tau <= (taus[0] as number)) return carries[0] as number;
    if (tau >= (taus[n - 1] as number)) return carries[n - 1] as number;
    // Binary search for taus[lo] <= tau < taus[hi].
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((taus[mid] as number) <= tau) lo = mid;
      else hi = mid;
    }
    const t0 = taus[lo] as number;
    const t1 = taus[hi] as number;
    const r0 = carries[lo] as number;
    const r1 = carries[hi] as number;
    return r0 + ((r1 - r0) * (tau - t0)) / (t1 - t0);
  }
}
