import { CHART_PALETTE as PALETTE, escapeXml as escapeHtml, svgLineChart } from '../../charts/svg-line-chart.js';
import type { CascadeReport } from './simulate-cascades.js';
import { svgHistogram } from '../../charts/svg-histogram.js';

function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)).toLocaleString('en-US') : '–';
}

/**
 * One self-contained HTML page for `crossmargin cascade --report html` (inline CSS and SVG, no scripts, no network):
 * totals per variant, then per round the prices (% of start), pools liquidated, bad debt and insurance fund, and
 * the distribution of account losses (docs/cascades.md "Report").
 */
export function renderCascadeHtml(report: CascadeReport): string {
  const rounds = (report.runs[0]?.rounds ?? []).map((r) => `round ${r.round}`);
  const color = (k: number): string => PALETTE[k % PALETTE.length]!;
  const perRun = (title: string, pick: (r: CascadeReport['runs'][number]['rounds'][number]) => number): string =>
    svgLineChart({ title, dates: rounds, series: report.runs.map((run, k) => ({ name: run.label, values: run.rounds.map(pick), color: color(k) })) });
  const priceCharts = report.runs.map((run) =>
    svgLineChart({
      title: `${run.label}: price after each round, % of start`,
      dates: rounds,
      series: report.market.map((m, u) => ({ name: m.underlying, values: run.rounds.map((r) => (100 * r.pricesAfter[u]!) / m.price), color: color(u) })),
    }),
  );
  const histograms = report.runs.map((run, k) =>
    svgHistogram({
      title: `${run.label}: accounts by loss (${run.lossDistribution.accountsWithLoss} of ${run.lossDistribution.accounts} lost money)`,
      edges: run.lossDistribution.histogram.edges,
      counts: run.lossDistribution.histogram.counts,
      color: color(k),
      xLabel: 'loss per account, USD (log-spaced bins)',
    }),
  );
  const totals = report.runs
    .map((run) => {
      const t = run.totals;
      const d = run.lossDistribution;
      return `<tr><td>${escapeHtml(run.label)}</td><td>${t.accountsLiquidated}</td><td>${t.poolsLiquidated}</td><td>${fmt(t.volume)}</td><td>${fmt(-t.liquidatedPnl)}</td><td>${fmt(t.traderLoss)}</td><td>${fmt(t.insuranceFundUse)}</td><td>${fmt(t.badDebt)}</td><td>${fmt(t.socialisedLoss)}</td><td>${fmt(t.unsocialisedLoss)}</td><td>${fmt(d.p99)}</td><td>${run.conservation.error.toExponential(1)}</td></tr>`;
    })
    .join('\n');
  const market = report.market
    .map((m) => `<tr><td>${escapeHtml(m.underlying)}</td><td>${fmt(m.price, 6)}</td><td>${escapeHtml(m.asOf)}</td><td>${fmt(100 * (report.shock[m.underlying] ?? 0), 3)} %</td><td>${fmt(100 * m.sigmaDaily, 3)} %</td><td>${fmt(m.adv)}</td><td>${fmt(100 * m.maintenanceRate, 3)} %</td></tr>`)
    .join('\n');
  const relief = report.reliefRates.length === 0 ? 'none' : report.reliefRates.map((r) => `long ${escapeHtml(r.long)} / short ${escapeHtml(r.short)} ${fmt(100 * r.rate, 3)} %`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmargin liquidation cascade</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1040px;color:#222}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}figure{margin:18px 0}p.note{color:#555;font-size:13px}
</style></head><body>
<h1>Liquidation cascade</h1>
<p>Population: ${escapeHtml(report.population.source)}, ${report.population.accounts} accounts, ${report.population.positions} positions (${report.population.hedgedAccounts} hedged). ${report.rounds} rounds; insurance fund ${fmt(report.insuranceFund)} USD; liquidation penalty ${fmt(100 * report.penaltyRate, 3)} % of notional; square-root impact Y = ${fmt(report.impactY)}.</p>
<h2>Totals (USD)</h2>
<table><thead><tr><th>variant</th><th>accounts liquidated</th><th>pools liquidated</th><th>volume</th><th>loss on liquidated positions</th><th>trader losses</th><th>insurance fund used</th><th>bad debt</th><th>socialised</th><th>unsocialised</th><th>p99 account loss</th><th>conservation error</th></tr></thead>
<tbody>
${totals}
</tbody></table>
<p class="note">Conservation: loss on liquidated positions = trader losses − insurance-fund change + bad debt (docs/cascades.md). A pool is an account (cross) or a position (isolated).</p>
<h2>Market</h2>
<table><thead><tr><th>underlying</th><th>start price</th><th>as of</th><th>shock</th><th>daily σ</th><th>ADV (USD)</th><th>maintenance rate</th></tr></thead>
<tbody>
${market}
</tbody></table>
<p class="note">Intermarket relief rates: ${relief}.</p>
<h2>Cascade over rounds</h2>
<figure>${perRun('Pools liquidated per round', (r) => r.poolsLiquidated)}</figure>
<figure>${perRun('Bad debt per round, USD', (r) => r.badDebt)}</figure>
<figure>${perRun('Insurance fund after each round, USD', (r) => r.insuranceFund)}</figure>
<figure>${perRun('Liquidation volume per round, USD notional', (r) => r.volume)}</figure>
${priceCharts.map((c) => `<figure>${c}</figure>`).join('\n')}
<h2>Loss distribution</h2>
${histograms.map((c) => `<figure>${c}</figure>`).join('\n')}
</body></html>
`;
}
