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

/** Amount with thousands separators and fixed decimals (2 by default). */
export function formatAmount(value: number, decimals = 2): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A number to `significant` significant digits without exponent for ordinary magnitudes. */
export function formatNumber(value: number, significant = 6): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e12) return Number(value.toPrecision(significant)).toString();
  return value.toExponential(significant - 1);
}
