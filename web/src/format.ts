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

/** An engine clock (epoch ms) as a UTC minute, `2024-06-28 09:00 UTC`; `—` when absent or not a time. */
export function utcMinute(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? '—' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A market asOf (ISO 8601) as a UTC minute, `2024-06-28 09:00 UTC`; the string itself when it is not a time. */
export function utcAsOf(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : utcMinute(ms);
}

/**
 * Badge colours of the account states (docs/dashboard.md "States and colours"). `unmarginable` is a deep red, never
 * green: the engine cannot margin the account, its margin is held at the last good figure and it is reduce-only.
 */
export const STATE_COLOURS: Record<string, string> = { healthy: '#2e7d32', 'margin-call': '#ef6c00', liquidation: '#c62828', unmarginable: '#8e0000' };

/** Every state the live engine reports, worst first (the overview's filter, counts and state sort follow it). */
export const STATES = ['unmarginable', 'liquidation', 'margin-call', 'healthy'] as const;

/** As the filter and the legend name a state. */
export const STATE_LABELS: Record<string, string> = { healthy: 'healthy', 'margin-call': 'margin call', liquidation: 'liquidation', unmarginable: 'unmarginable' };
