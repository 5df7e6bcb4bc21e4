import { CrossmarginError } from '../core/errors.js';

/** One smile as the surface needs it: time to expiry, the forward at that expiry, and the quoted strikes/vols. */
export interface SmileInput {
  /** Time to expiry, ACT/365 years; must be > 0. */
  readonly tau: number;
  /** Forward at this expiry (quote currency); anchors the smile's moneyness. */
  readonly forward: number;
  /** Strikes, strictly increasing, positive. */
  readonly strikes: ArrayLike<number>;
  /** Implied vols (decimal), one per strike, positive. */
  readonly vols: ArrayLike<number>;
  /** Field of this smile for errors, e.g. `underlyings.BTC.vol.smiles.2`. */
  readonly field?: string;
}

/**
 * Implied-volatility surface of one underlying. All vols decimal, times ACT/365 years.
 *
 * Interpolation rules (pinned by tests):
 * - **Flat** (`VolSurface.flat(atm)`): the same vol for every expiry and strike.
 * - **Within a smile:** linear in strike between quoted strikes, flat beyond the outermost strikes (no wing
 *   extrapolation, so the surface can never produce a vol outside the quoted range).
 * - **Across expiries:** linear in total variance w = σ²·T between the two bracketing smiles, each evaluated at
 *   the same forward moneyness: smile i is read at strike K·F_i/F, where F is the forward at the requested time
 *   and F_i the forward at smile i. With equal forwards that is the same strike. σ = sqrt(w(T)/T).
 *   Because w(T)/T is a convex combination of σ_i² and σ_{i+1}², the result always lies between them.
 * - **Before the first smile** (including T ≤ 0): the first smile's vol at that moneyness; **after the last**:
 *   the last smile's vol at that moneyness (flat vol, not flat variance).
 *
 * Scenario note: passing a shifted F to `volAt` while the node forwards stay at their base values makes the
 * surface sticky-moneyness; passing the base forward keeps it sticky-strike.
 */
export class VolSurface {
  readonly kind: 'flat' | 'smiles';
  private readonly atm: number;
  private readonly taus: Float64Array;
  private readonly forwards: Float64Array;
  private readonly strikes: readonly Float64Array[];
  private readonly vols: readonly Float64Array[];

  private constructor(kind: 'flat' | 'smiles', atm: number, nodes: readonly SmileInput[]) {
    this.kind = kind;
    this.atm = atm;
    this.taus = Float64Array.from(nodes, (n) => n.tau);
    this.forwards = Float64Array.from(nodes, (n) => n.forward);
    this.strikes = nodes.map((n) => Float64Array.from(n.strikes));
    this.vols = nodes.map((n) => Float64Array.from(n.vols));
  }

  /** A flat surface: `atm` (decimal vol) everywhere. */
  static flat(atm: number, field = 'vol.atm'): VolSurface {
    if (!(Number.isFinite(atm) && atm > 0)) {
      throw new CrossmarginError('MARKET_DATA_INVALID', `${field}: expected a positive vol, got ${atm}`, { field });
    }
    return new VolSurface('flat', atm, []);
  }

  /** A surface from one smile per expiry (any order; expiries must be distinct and in the future). */
  static fromSmiles(smiles: readonly SmileInput[], field = 'vol.smiles'): VolSurface {
    if (smiles.length === 0) {
      throw new CrossmarginError('MARKET_DATA_INVALID', `${field}: a surface needs at least one smile`, { field });
    }
    smiles.forEach((s, j) => validateSmile(s, s.field ?? `${field}.${j}`));
    const sorted = [...smiles].sort((a, b) => a.tau - b.tau);
    for (let j = 1; j < sorted.length; j++) {
      const s = sorted[j] as SmileInput;
      if (s.tau === (sorted[j - 1] as SmileInput).tau) {
        const f = s.field ?? field;
        throw new CrossmarginError('MARKET_DATA_INVALID', `${f}: two smiles share the same expiry`, { field: f });
      }
    }
    return new VolSurface('smiles', Number.NaN, sorted);
  }

  /** Number of smiles (0 for a flat surface). */
  get smileCount(): number {
    return this.taus.length;
  }

  /** Time to expiry (years) of smile `i`, ascending in `i`. */
  smileTau(i: number): number {
    return this.taus[i] as number;
  }

  /** Forward at smile `i`. */
  smileForward(i: number): number {
    return this.forwards[i] as number;
  }

  /** Vol of smile `i` at `strike`: linear between quoted strikes, flat beyond them. Flat surface: the atm vol. */
  smileVol(i: number, strike: number): number {
    if (this.kind === 'flat') return this.atm;
    const ks = this.strikes[i] as Float64Array;
    const vs = this.vols[i] as Float64Array;
    const n = ks.length;
    if (strike <= (ks[0] as number)) return vs[0] as number;
    if (strike >= (ks[n - 1] as number)) return vs[n - 1] as number;
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((ks[mid] as number) <= strike) lo = mid;
      else hi = mid;
    }
    const k0 = ks[lo] as number;
    const v0 = vs[lo] as number;
    return v0 + (((vs[hi] as number) - v0) * (strike - k0)) / ((ks[hi] as number) - k0);
  }

  /**
   * Implied vol (decimal) for time to expiry `tau` (years), `strike`, and `forward` = the forward at `tau`
   * (quote currency, > 0). Allocation-free; see the class comment for the rules.
   */
  volAt(tau: number, strike: number, forward: number): number {
    if (this.kind === 'flat') return this.atm;
    const taus = this.taus;
    const fwds = this.forwards;
    const n = taus.length;
    const last = n - 1;
    if (n === 1 || tau <= (taus[0] as number)) return this.smileVol(0, (strike * (fwds[0] as number)) / forward);
    if (tau >= (taus[last] as number)) return this.smileVol(last, (strike * (fwds[last] as number)) / forward);
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((taus[mid] as number) <= tau) lo = mid;
      else hi = mid;
    }
    const t0 = taus[lo] as number;
    if (tau === t0) return this.smileVol(lo, (strike * (fwds[lo] as number)) / forward);
    const t1 = taus[hi] as number;
    const s0 = this.smileVol(lo, (strike * (fwds[lo] as number)) / forward);
    const s1 = this.smileVol(hi, (strike * (fwds[hi] as number)) / forward);
    const w0 = s0 * s0 * t0;
    const w1 = s1 * s1 * t1;
    const w = w0 + ((w1 - w0) * (tau - t0)) / (t1 - t0);
    return Math.sqrt(w / tau);
  }

  /** Total implied variance σ²·T at (`tau`, `strike`, `forward`); 0 for tau ≤ 0. */
  totalVarianceAt(tau: number, strike: number, forward: number): number {
    if (tau <= 0) return 0;
    const v = this.volAt(tau, strike, forward);
    return v * v * tau;
  }
}

function validateSmile(s: SmileInput, field: string): void {
  const fail = (sub: string, message: string): never => {
    const f = sub === '' ? field : `${field}.${sub}`;
    throw new CrossmarginError('MARKET_DATA_INVALID', `${f}: ${message}`, { field: f });
  };
  if (!(Number.isFinite(s.tau) && s.tau > 0)) fail('expiry', `time to expiry must be positive, got ${s.tau} years`);
  if (!(Number.isFinite(s.forward) && s.forward > 0)) fail('', `forward must be positive, got ${s.forward}`);
  if (s.strikes.length === 0) fail('strikes', 'a smile needs at least one strike');
  if (s.vols.length !== s.strikes.length) fail('vols', `expected one vol per strike: ${s.strikes.length} strikes but ${s.vols.length} vols`);
  for (let i = 0; i < s.strikes.length; i++) {
    const k = s.strikes[i] as number;
    if (!(Number.isFinite(k) && k > 0)) fail(`strikes.${i}`, `expected a positive strike, got ${k}`);
    if (i > 0 && !(k > (s.strikes[i - 1] as number))) fail(`strikes.${i}`, 'strikes must be strictly increasing');
    const v = s.vols[i] as number;
    if (!(Number.isFinite(v) && v > 0)) fail(`vols.${i}`, `expected a positive vol, got ${v}`);
  }
}
