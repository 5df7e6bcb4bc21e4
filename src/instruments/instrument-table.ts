import { CrossmarginError } from '../core/errors.js';
import { Interner } from '../core/interner.js';
import type { InstrumentSpec } from './instrument-spec.js';
import { expiryMs } from './resolve-instrument.js';

const SPEC_FIELDS = ['kind', 'underlying', 'expiry', 'strike', 'right', 'multiplier', 'settlement', 'currency'] as const;
/** The fields that define a contract (everything but the symbol). */
export type SpecField = (typeof SPEC_FIELDS)[number];

/**
 * Fields on which two specs with the same symbol disagree (empty when they describe the same contract).
 * Expiries are compared as instants, so `2024-06-28` and `2024-06-28T08:00:00Z` are the same expiry.
 */
export function specDifferences(a: InstrumentSpec, b: InstrumentSpec): SpecField[] {
  const differences: SpecField[] = [];
  for (const key of SPEC_FIELDS) {
    if (key === 'expiry') {
      if (expiryMs(a) !== expiryMs(b)) differences.push(key);
    } else if (a[key] !== b[key]) {
      differences.push(key);
    }
  }
  return differences;
}

/**
 * The instruments of a run, interned to dense integer ids (first-seen order from 0) so that kernels index the
 * instrument × scenario P&L matrix by row number (DESIGN.md "Hot loops"). Underlyings are interned alongside, since
 * scenario sets and market data are indexed by underlying id.
 *
 * A symbol names one contract: adding the same spec again returns the existing id, adding a different spec under
 * the same symbol is an error. Ids are never reused or removed, so they stay stable for the table's lifetime.
 */
export class InstrumentTable {
  private readonly symbols = new Interner();
  private readonly underlyings = new Interner();
  private readonly specList: InstrumentSpec[] = [];
  private readonly underlyingOfInstrument: number[] = [];

  /**
   * Id of `spec`, adding it on first sight. Throws INSTRUMENT_SPEC_INVALID naming `field` when another spec with
   * the same symbol but different fields was added before (two conflicting definitions in one portfolio).
   */
  add(spec: InstrumentSpec, field = 'instrument'): number {
    const existingId = this.symbols.lookup(spec.symbol);
    if (existingId !== undefined) {
      const existing = this.spec(existingId);
      const differences = specDifferences(existing, spec);
      if (differences.length > 0) {
        const detail = differences
          .map((key) => `${key} ${String(existing[key])} vs ${String(spec[key])}`)
          .join(', ');
        throw new CrossmarginError(
          'INSTRUMENT_SPEC_INVALID',
          `${field}: conflicting definitions of instrument "${spec.symbol}" (${detail}); one symbol must name one contract`,
          { field, details: { symbol: spec.symbol, differences, existing, conflicting: spec } },
        );
      }
      return existingId;
    }
    const id = this.symbols.intern(spec.symbol);
    this.specList.push(spec);
    this.underlyingOfInstrument.push(this.underlyings.intern(spec.underlying));
    return id;
  }

  /** Id of `symbol`, or undefined when it was never added. */
  id(symbol: string): number | undefined {
    return this.symbols.lookup(symbol);
  }

  /** Spec of instrument `id`; throws RangeError for an id this table never handed out (a programming error). */
  spec(id: number): InstrumentSpec {
    const spec = this.specList[id];
    if (spec === undefined) throw new RangeError(`InstrumentTable: no instrument with id ${id}`);
    return spec;
  }

  /** Number of instruments; ids are 0 … size − 1. */
  get size(): number {
    return this.specList.length;
  }

  /** All specs, index = instrument id. */
  specs(): readonly InstrumentSpec[] {
    return this.specList;
  }

  /** Symbols, index = instrument id. */
  symbolNames(): readonly string[] {
    return this.symbols.list();
  }

  /** Id of underlying `name` (as in the market snapshot), or undefined when no instrument uses it. */
  underlyingId(name: string): number | undefined {
    return this.underlyings.lookup(name);
  }

  /** Underlying names, index = underlying id (first-seen order). */
  underlyingNames(): readonly string[] {
    return this.underlyings.list();
  }

  /** Underlying id of instrument `id`; throws RangeError for an unknown instrument id. */
  underlyingOf(id: number): number {
    const underlying = this.underlyingOfInstrument[id];
    if (underlying === undefined) throw new RangeError(`InstrumentTable: no instrument with id ${id}`);
    return underlying;
  }

  /** Fresh `Int32Array` mapping instrument id → underlying id, the form kernels take. */
  underlyingIndex(): Int32Array {
    return Int32Array.from(this.underlyingOfInstrument);
  }
}
