import { describe, expect, it } from 'vitest';
import { formatNumber, formatPValue, formatTable } from './format-table.js';

describe('CLI number formats', () => {
  it('formatNumber: significant digits with thousands separators, exponent only for extreme magnitudes', () => {
    expect(formatNumber(1_234_567.891, 6)).toBe('1,234,570');
    expect(formatNumber(-98_765.4321, 4)).toBe('-98,770');
    expect(formatNumber(999.5, 6)).toBe('999.5');
    expect(formatNumber(0.000123456, 3)).toBe('0.000123');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1e-7, 3)).toBe('1.00e-7');
    expect(formatNumber(2.5e13, 3)).toBe('2.50e+13');
  });

  it('formatPValue: three decimals, <0.001 below a thousandth', () => {
    expect(formatPValue(0.04567)).toBe('0.046');
    expect(formatPValue(0.001)).toBe('0.001');
    expect(formatPValue(0.000999)).toBe('<0.001');
    expect(formatPValue(3e-12)).toBe('<0.001');
    expect(formatPValue(Number.NaN)).toBe('-');
  });

  it('formatTable right-aligns columns of separated numbers', () => {
    const t = formatTable(['name', 'value'], [['a', '1,234.5'], ['b', '7']]);
    expect(t.split('\n')[2]).toBe('a     1,234.5');
    expect(t.split('\n')[3]).toBe('b           7');
  });
});
