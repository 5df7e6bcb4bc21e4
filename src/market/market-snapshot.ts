import { CrossmarginError } from '../core/errors.js';
import { ForwardCurve } from './forward-curve.js';
import { parseAsOfInstant, parseIsoInstant, yearFraction } from '../core/dates.js';
import { parseMarketSnapshotFile, type MarketSnapshotFile, type UnderlyingMarketFile } from './market-snapshot-schema.js';
import { VolSurface } from './vol-surface.js';

/** Market data of one underlying at the snapshot's asOf. Prices in its quote currency, vols decimal. */
export interface UnderlyingMarket {
  readonly name: string;
  /** Spot / index level. */
  readonly index: number;
  /** Continuously compounded rate per year (default 0). */
  readonly rate: number;
  /** False when the file has no `vol` for this underlying (then `vol()` throws MARKET_VOL_MISSING). */
  readonly hasVol: boolean;
  /** The forward curve behind `forward()`, for callers working in years. */
  readonly forwardCurve: ForwardCurve;
  /** The surface behind `vol()`, undefined when `hasVol` is false. */
  readonly volSurface: VolSurface | undefined;
  /** Forward for an expiry instant (epoch ms); the index for expiries at or before asOf (perpetual/spot). */
  forward(expiryMs: number): number;
  /** Implied vol (decimal) for an expiry instant and strike. Throws MARKET_VOL_MISSING (field `underlyings.X.vol`). */
  vol(expiryMs: number, strike: number): number;
}

export interface MarketSnapshot {
  /** Valuation instant exactly as written in the file. */
  readonly asOf: string;
  readonly asOfMs: number;
  /** Where the snapshot came from (file path), when known. */
  readonly source?: string;
  has(name: string): boolean;
  /** Underlying names in file order. */
  names(): readonly string[];
  /**
   * The named underlying (exact, case-sensitive match). Throws MARKET_UNDERLYING_MISSING naming `field`
   * (e.g. `positions.1.instrument`; default `underlyings.<name>`), with the available names in `details`.
   */
  underlying(name: string, field?: string): UnderlyingMarket;
  /**
   * Value of 1 unit of `from` in `to`. USD is 1; another currency's USD value is `fx[ccy]`, else the index of the
   * underlying of that name (so BTC→USD is the BTC index). Same currency → 1. Throws MARKET_FX_MISSING.
   */
  fxRate(from: string, to: string): number;
  /** The validated file form (defaults applied), a fresh copy each call; `parseMarketSnapshot` accepts it back. */
  toJSON(): MarketSnapshotFile;
}

class Underlying implements UnderlyingMarket {
  readonly name: string;
  readonly index: number;
  readonly rate: number;
  readonly hasVol: boolean;
  readonly forwardCurve: ForwardCurve;
  readonly volSurface: VolSurface | undefined;
  private readonly asOfMs: number;

  constructor(name: string, file: UnderlyingMarketFile, asOfMs: number) {
    const field = `underlyings.${name}`;
    this.name = name;
    this.index = file.index;
    this.rate = file.rate;
    this.asOfMs = asOfMs;
    this.forwardCurve = new ForwardCurve({
      asOfMs,
      index: file.index,
      rate: file.rate,
      forwards: Object.entries(file.forwards ?? {}).map(([key, forward]) => ({
        expiryMs: parseIsoInstant(key, `${field}.forwards.${key}`),
        forward,
      })),
      field,
    });
    this.volSurface = buildSurface(file, asOfMs, this.forwardCurve, field);
    this.hasVol = this.volSurface !== undefined;
  }

  forward(expiryMs: number): number {
    if (!Number.isFinite(expiryMs)) {
      throw new CrossmarginError('MARKET_DATA_INVALID', `${this.name}: expiry must be a finite epoch-ms instant, got ${expiryMs}`, {
        field: 'expiry',
      });
    }
    return this.forwardCurve.forward(expiryMs);
  }

  vol(expiryMs: number, strike: number): number {
    const surface = this.volSurface;
    if (surface === undefined) {
      const field = `underlyings.${this.name}.vol`;
      throw new CrossmarginError('MARKET_VOL_MISSING', `${field}: the market snapshot has no volatility for ${this.name}`, {
        field,
        details: { underlying: this.name },
      });
    }
    if (!(Number.isFinite(strike) && strike > 0)) {
      throw new CrossmarginError('MARKET_DATA_INVALID', `${this.name}: strike must be a positive number, got ${strike}`, { field: 'strike' });
    }
    const forward = this.forward(expiryMs);
    return surface.volAt(yearFraction(this.asOfMs, expiryMs), strike, forward);
  }
}

/** Smiles win over `atm` when both are present; `atm` alone gives a flat surface. */
function buildSurface(file: UnderlyingMarketFile, asOfMs: number, curve: ForwardCurve, field: string): VolSurface | undefined {
  const vol = file.vol;
  if (vol === undefined) return undefined;
  if (vol.smiles !== undefined) {
    return VolSurface.fromSmiles(
      vol.smiles.map((smile, j) => {
        const smileField = `${field}.vol.smiles.${j}`;
        const expiryMs = parseIsoInstant(smile.expiry, `${smileField}.expiry`);
        return {
          tau: yearFraction(asOfMs, expiryMs),
          forward: curve.forward(expiryMs),
          strikes: smile.strikes,
          vols: smile.vols,
          field: smileField,
        };
      }),
      `${field}.vol.smiles`,
    );
  }
  if (vol.atm !== undefined) return VolSurface.flat(vol.atm, `${field}.vol.atm`);
  return undefined;
}

class Snapshot implements MarketSnapshot {
  readonly asOf: string;
  readonly asOfMs: number;
  readonly source?: string;
  private readonly file: MarketSnapshotFile;
  private readonly underlyings: ReadonlyMap<string, Underlying>;
  private readonly nameList: readonly string[];

  constructor(file: MarketSnapshotFile, source: string | undefined) {
    this.file = file;
    this.asOf = file.asOf;
    this.asOfMs = parseAsOfInstant(file.asOf);
    if (source !== undefined) this.source = source;
    const map = new Map<string, Underlying>();
    for (const [name, u] of Object.entries(file.underlyings)) map.set(name, new Underlying(name, u, this.asOfMs));
    this.underlyings = map;
    this.nameList = Object.freeze([...map.keys()]);
  }

  has(name: string): boolean {
    return this.underlyings.has(name);
  }

  names(): readonly string[] {
    return this.nameList;
  }

  underlying(name: string, field?: string): UnderlyingMarket {
    const u = this.underlyings.get(name);
    if (u !== undefined) return u;
    const where = field ?? `underlyings.${name}`;
    const available = this.nameList.length === 0 ? 'none' : this.nameList.join(', ');
    throw new CrossmarginError(
      'MARKET_UNDERLYING_MISSING',
      `${where}: underlying "${name}" is not in the market snapshot${this.source === undefined ? '' : ` ${this.source}`} (available: ${available})`,
      { field: where, details: { underlying: name, available: [...this.nameList] } },
    );
  }

  fxRate(from: string, to: string): number {
    if (from === to) return 1;
    return this.usdValue(from, from, to) / this.usdValue(to, from, to);
  }

  toJSON(): MarketSnapshotFile {
    return structuredClone(this.file);
  }

  private usdValue(ccy: string, from: string, to: string): number {
    if (ccy === 'USD') return 1;
    const fx = this.file.fx?.[ccy];
    if (fx !== undefined) return fx;
    const u = this.underlyings.get(ccy);
    if (u !== undefined) return u.index;
    const field = `fx.${ccy}`;
    const known = ['USD', ...Object.keys(this.file.fx ?? {}), ...this.nameList];
    throw new CrossmarginError(
      'MARKET_FX_MISSING',
      `${field}: no USD value for ${ccy} (needed to convert ${from} to ${to}); add it to "fx" or as an underlying. Known: ${known.join(', ')}`,
      { field, details: { currency: ccy, from, to, available: known } },
    );
  }
}

/**
 * Validates a parsed JSON value as a market snapshot file and builds its runtime form (forward curves and vol
 * surfaces). Errors: SCHEMA_INVALID naming the field, prefixed by `source` (a file path) when given.
 */
export function parseMarketSnapshot(json: unknown, source?: string): MarketSnapshot {
  return new Snapshot(parseMarketSnapshotFile(json, source), source);
}
