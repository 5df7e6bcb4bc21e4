import { CrossmarginError } from '../core/errors.js';
import type { InstrumentKind, OptionRight } from './instrument-spec.js';
import { formatDeribitStrike, type DeribitLinearQuote } from './parse-deribit-name.js';

/** The fields a Deribit-style name encodes; the inverse of `parseDeribitName` on names. */
export interface DeribitNameFields {
  /** Base coin (`BTC`). */
  readonly base: string;
  /** Linear quote currency; absent for inverse instruments and bare spot holdings. */
  readonly quote?: DeribitLinearQuote;
  readonly kind: InstrumentKind;
  /** `YYYY-MM-DD`, year 2000-2099 (names carry a 2-digit year); futures and options only. */
  readonly expiry?: string;
  /** Options only; positive. */
  readonly strike?: number;
  readonly right?: OptionRight;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

function fieldsError(field: string, message: string): CrossmarginError {
  return new CrossmarginError('INSTRUMENT_SPEC_INVALID', `${field}: ${message}`, { field });
}

/** `2024-07-05` → `5JUL24` (Deribit writes the day without a leading zero). */
export function formatDeribitExpiry(isoDate: string, field = 'expiry'): string {
  const m = /^20(\d{2})-(\d{2})-(\d{2})$/.exec(isoDate);
  const month = m === null ? undefined : MONTHS[Number(m[2]) - 1];
  if (m === null || month === undefined) {
    throw fieldsError(field, `"${isoDate}" cannot be written as a Deribit expiry (expected YYYY-MM-DD with year 2000-2099)`);
  }
  return `${Number(m[3])}${month}${m[1] ?? ''}`;
}

/**
 * Writes the Deribit-style name of an instrument: `BTC-28JUN24-60000-C`, `XRP_USDC-27DEC24-0d625-P`,
 * `BTC_USDC-PERPETUAL`, `BTC_USDC`, `BTC`. Throws INSTRUMENT_SPEC_INVALID when a field the kind needs is missing.
 * The result is the canonical symbol `parseDeribitName` returns for it.
 */
export function formatDeribitName(fields: DeribitNameFields, field = 'instrument'): string {
  const head = fields.quote === undefined ? fields.base : `${fields.base}_${fields.quote}`;
  switch (fields.kind) {
    case 'spot':
      return head;
    case 'perpetual':
      return `${head}-PERPETUAL`;
    case 'future':
    case 'option': {
      if (fields.expiry === undefined) throw fieldsError(`${field}.expiry`, `a ${fields.kind} needs an expiry`);
      const expiry = formatDeribitExpiry(fields.expiry, `${field}.expiry`);
      if (fields.kind === 'future') return `${head}-${expiry}`;
      const strike = fields.strike === undefined ? undefined : formatDeribitStrike(fields.strike);
      if (strike === undefined) throw fieldsError(`${field}.strike`, `an option needs a positive strike, got ${String(fields.strike)}`);
      if (fields.right === undefined) throw fieldsError(`${field}.right`, 'an option needs a right (call|put)');
      return `${head}-${expiry}-${strike}-${fields.right === 'call' ? 'C' : 'P'}`;
    }
  }
}
