/** Amounts as shown everywhere on the dashboard (and as the end-to-end tests read them): 2 decimals, grouped. */
export function money(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A fraction as a percentage with one decimal (0.1234 → 12.3 %). */
export function percent(x: number | undefined, digits = 1): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)} %`;
}

export function signedPercent(x: number): string {
  return `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
}

export const STATE_COLOURS: Record<string, string> = { healthy: '#2e7d32', 'margin-call': '#ef6c00', liquidation: '#c62828' };
