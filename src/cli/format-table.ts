/**
 * Plain-text table for terminal output. Columns whose cells are all numbers (or empty) are right-aligned.
 * Numbers are formatted by the caller so units and precision stay explicit.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => /^[-−+]?[\d,]*\.?\d*%?$/.test(r[c] ?? '')));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n') + '\n';
}

/** Fiat and stablecoins are shown to the cent; anything else is a coin, shown to 6 decimals (1 BTC ≫ 1 USD). */
const CENT_CURRENCIES = new Set(['USD', 'EUR', 'GBP', 'CHF', 'JPY', 'CAD', 'AUD', 'USDC', 'USDT', 'DAI', 'FDUSD', 'USDE']);

export function currencyDecimals(currency: string): number {
  return CENT_CURRENCIES.has(currency.toUpperCase()) ? 2 : 6;
}

/** Amount with thousands separators and the currency's decimals. */
export function formatAmount(value: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/**
 * A number to `significant` significant digits, with thousands separators and without exponent for ordinary
 * magnitudes (every CLI table separates thousands the same way: 1,234,567.5).
 */
export function formatNumber(value: number, significant = 6): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e12) return Number(value.toPrecision(significant)).toLocaleString('en-US', { maximumFractionDigits: 20 });
  return value.toExponential(significant - 1);
}

/** A test's p-value: below 0.001 it is shown as `<0.001` (more digits claim a precision the test does not have). */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
