import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { expiryKey, isIsoDate, isIsoDateTimeWithZone, parseAsOfInstant, parseIsoInstant } from './dates.js';

describe('iso-instant', () => {
  it('takes a date alone at 08:00 UTC', () => {
    expect(parseIsoInstant('2024-06-28', 'x')).toBe(Date.parse('2024-06-28T08:00:00Z'));
    expect(parseIsoInstant('2024-06-28T10:00:00+02:00', 'x')).toBe(Date.parse('2024-06-28T08:00:00Z'));
  });

  it('rejects impossible calendar dates that Date.parse would roll over', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDateTimeWithZone('2024-02-30T08:00:00Z')).toBe(false);
    expect(() => parseIsoInstant('2024-02-30T08:00:00Z', 'f')).toThrow(CrossmarginError);
  });

  it('requires a zone and a time for asOf', () => {
    expect(parseAsOfInstant('2020-05-21T23:21:00Z')).toBe(Date.UTC(2020, 4, 21, 23, 21));
    expect(() => parseAsOfInstant('2020-05-21')).toThrow(/asOf/);
    expect(() => parseAsOfInstant('2020-05-21T23:21:00')).toThrow(/asOf/);
  });

  it('writes 08:00 UTC expiries as dates and others in full', () => {
    expect(expiryKey(Date.parse('2020-06-26T08:00:00Z'))).toBe('2020-06-26');
    expect(expiryKey(Date.parse('2020-06-26T16:00:00Z'))).toBe('2020-06-26T16:00:00.000Z');
  });
});
