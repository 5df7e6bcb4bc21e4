import type { StressScenarioInfo } from '../stress/build-stress-set.js';
import type { DefaultFundCover } from '../stress/default-fund-cover.js';
import type { AccountStress, StressReport } from '../stress/evaluate-stress.js';
import type { AccountReverseStress, ReverseMove } from '../stress/reverse-stress-accounts.js';
import { formatAmount, formatNumber, formatTable } from './format-table.js';

/** At most this many accounts get a per-scenario table; larger populations get one summary row per account. */
export const DETAIL_ACCOUNTS = 5;

function pct(move: number): string {
  const text = (Math.abs(move) * 100).toFixed(1);
  return text === '0.0' ? '0.0%' : `${move < 0 ? '−' : '+'}${text}%`;
}

/** "BTC −39.3%, SPX −9.5% (vol +54.0%)": the scenario's moves, largest first, at most `top`. */
function moveSummary(s: StressScenarioInfo, top = 4): string {
  const moved = s.moves.filter((m) => m.priceMove !== 0 || m.volMove !== 0).sort((a, b) => Math.abs(b.priceMove) - Math.abs(a.priceMove));
  if (moved.length === 0) return 'no move on these books';
  const text = moved
    .slice(0, top)
    .map((m) => `${m.underlying} ${pct(m.priceMove)}${m.volMove === 0 ? '' : ` (vol ${pct(m.volMove)})`}`)
    .join(', ');
  return moved.length > top ? `${text}, …` : text;
}

function scenarioTable(scenarios: readonly StressScenarioInfo[]): string {
  return formatTable(
    ['scenario', 'kind', 'moves applied', 'no data in window'],
    scenarios.map((s) => [s.id, s.kind, moveSummary(s), s.noData.map((d) => d.underlying).join(', ')]),
  );
}

function accountDetail(a: AccountStress): string {
  const c = a.currency;
  const head = `Account ${a.account} (${c}): equity before haircuts ${formatAmount(a.equity, c)}, initial margin ${formatAmount(a.initialMargin, c)}`;
  const rows = a.outcomes.map((o) => [
    o.scenario,
    formatAmount(o.pnl, c),
    a.initialMargin > 0 ? `${formatNumber((o.loss / a.initialMargin) * 100, 3)}%` : '-',
    formatAmount(o.lossBeyondMargin, c),
    formatAmount(o.deficit, c),
    o.deficit > 0 ? 'DEFICIT' : '',
  ]);
  return `${head}\n${formatTable(['scenario', `P&L (${c})`, 'loss / margin', `loss beyond margin (${c})`, `deficit (${c})`, 'status'], rows)}`;
}

function accountSummary(accounts: readonly AccountStress[]): string {
  return formatTable(
    ['account', 'ccy', 'equity before haircuts', 'initial margin', 'worst scenario', 'worst loss', 'deficit', 'scenarios in deficit'],
    accounts.map((a) => [
      a.account,
      a.currency,
      formatAmount(a.equity, a.currency),
      formatAmount(a.initialMargin, a.currency),
      a.worst.scenario,
      formatAmount(a.worst.loss, a.currency),
      formatAmount(a.worst.deficit, a.currency),
      String(a.outcomes.filter((o) => o.deficit > 0).length),
    ]),
  );
}

function deficitLines(report: StressReport): string {
  const hit = report.deficits.filter((d) => d.accounts.length > 0);
  if (hit.length === 0) return 'Accounts in deficit: none (every loss stays within equity)\n';
  const ccy = new Map(report.accounts.map((a) => [a.account, a.currency]));
  const lines = hit.map((d) => `  ${d.scenario}: ${d.accounts.map((x) => `${x.account} (${formatAmount(x.deficit, ccy.get(x.account) ?? 'USD')})`).join(', ')}`);
  return `Accounts in deficit (loss > equity):\n${lines.join('\n')}\n`;
}

function moveCells(m: ReverseMove | undefined, underlyings: readonly string[]): string {
  if (m === undefined) return '-';
  if (!m.reachable) return 'not reachable';
  return underlyings.map((u) => `${u} ${pct(m.moves[u] ?? 0)}`).join(', ');
}

/** Reverse-stress table: per account, the directional and the most likely equity-exhausting moves. */
export function formatReverseStress(results: readonly AccountReverseStress[]): string {
  const rows = results.flatMap((r) => {
    const dist = (m: ReverseMove | undefined): string => (m?.mahalanobis === undefined || !m.reachable ? '-' : formatNumber(m.mahalanobis, 4));
    const dir = r.underlyings.map((u) => `${u}=${formatNumber(r.direction[u] ?? 0, 3)}`).join(',');
    return [
      [r.account, formatAmount(r.equity, r.currency), `direction ${dir || '-'}`, moveCells(r.directional, r.underlyings), dist(r.directional)],
      [
        '',
        '',
        'most likely',
        r.mostLikely === undefined ? `unavailable: ${r.mostLikelyError?.message ?? 'no underlyings'}` : moveCells(r.mostLikely, r.underlyings),
        dist(r.mostLikely),
      ],
    ];
  });
  const cov = results.find((r) => r.covariance !== undefined)?.covariance;
  const head =
    cov === undefined
      ? 'Reverse stress: smallest joint move that exhausts equity (P&L = −equity)\n'
      : `Reverse stress: smallest joint move that exhausts equity (P&L = −equity); Mahalanobis distance in ${cov.horizonDays}-day σ ` +
        `(Ledoit–Wolf covariance of ${cov.days} daily log returns to ${cov.to})\n`;
  return `${head}${formatTable(['account', 'equity before haircuts', 'search', 'moves', 'Mahalanobis (σ)'], rows)}`;
}

/** Cover-1 / Cover-2 table. */
export function formatCover(cover: DefaultFundCover, currency: string): string {
  const row = (name: string, f: DefaultFundCover['cover1']): string[] => [
    name,
    formatAmount(f.amount, currency),
    f.scenario ?? '-',
    f.members.map((m) => `${m.account} (${formatAmount(m.lossBeyondMargin, currency)})`).join(', ') || '-',
  ];
  return `Default-fund cover (loss beyond initial margin of the largest members, worst scenario)\n${formatTable(
    ['cover', `amount (${currency})`, 'scenario', 'members'],
    [row('Cover-1', cover.cover1), row('Cover-2', cover.cover2)],
  )}`;
}

/** The whole readable report. */
export function formatStressReport(report: StressReport, notes: readonly string[]): string {
  const parts = [
    `Stress test: ${report.accounts.length} account(s) × ${report.scenarios.length} scenario(s); margin model ${report.model}; instant moves, loss = −P&L of positions and collateral\n` +
      // Stated so the figure is not mistaken for `crossmargin account`'s equity after haircuts (it shows both).
      'Equity is before collateral haircuts (the scenarios move the collateral itself); `crossmargin account` shows it and the equity after haircuts\n',
    scenarioTable(report.scenarios),
    report.accounts.length <= DETAIL_ACCOUNTS ? report.accounts.map(accountDetail).join('\n') : accountSummary(report.accounts),
    deficitLines(report),
  ];
  if (notes.length > 0) parts.push(`Notes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`);
  return parts.join('\n');
}
