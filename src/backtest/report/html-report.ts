import type { BacktestReport } from '../backtest-report.js';
import { CHART_PALETTE as PALETTE, escapeXml as escapeHtml, svgLineChart } from '../../charts/svg-line-chart.js';

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(digits)).toLocaleString('en-US');
}

/**
 * One self-contained HTML page (inline CSS and SVG, no scripts, no network at view time): per model the margin
 * against the realised loss with exceptions marked, the rolling volatility and the vol parameters over time, and
 * the statistics table (docs/backtesting.md).
 */
export function renderBacktestHtml(report: BacktestReport): string {
  const dates = report.models[0]?.walk.dates ?? [];
  const modelCharts = report.models
    .map((m, k) => {
      const loss = Float64Array.from(m.walk.pnl, (p) => -p);
      const exceptions = Float64Array.from(loss, (l, t) => (l > m.walk.initialMargin[t]! ? l : Number.NaN));
      return svgLineChart({
        title: `${m.model}: initial margin vs realised ${report.horizon}-day loss (${m.summary.exceptions} exceptions)`,
        dates,
        series: [
          { name: 'initial margin', values: m.walk.initialMargin, color: PALETTE[k % PALETTE.length]! },
          { name: 'realised loss', values: loss, color: '#bbbbbb' },
          { name: 'exception', values: exceptions, color: '#d62728', markers: true },
        ],
      });
    })
    .join('\n');
  const volChart = svgLineChart({
    title: 'Rolling volatility (30-day realised, annualised)',
    dates,
    series: report.volatility.map((v, k) => ({ name: v.underlying, values: v.realised30d, color: PALETTE[k % PALETTE.length]! })),
  });
  const paramChart = svgLineChart({
    title: 'Volatility parameters over time: EWMA(0.94) forecast and implied vol index, annualised',
    dates,
    series: report.volatility.flatMap((v, k) => [
      { name: `${v.underlying} EWMA`, values: v.ewma, color: PALETTE[k % PALETTE.length]! },
      ...(v.implied === undefined ? [] : [{ name: `${v.underlying} implied`, values: v.implied, color: '#d62728' }]),
    ]),
  });
  const marginChart = svgLineChart({
    title: 'Initial margin of every model',
    dates,
    series: report.models.map((m, k) => ({ name: m.model, values: m.walk.initialMargin, color: PALETTE[k % PALETTE.length]! })),
  });
  const first = report.models[0]?.summary;
  const lightWindow = first?.trafficLight.window ?? 250;
  const windowing = first?.independenceWindowing.description ?? 'daily';
  const rows = report.models
    .map((m) => {
      const s = m.summary;
      const as = s.acerbiSzekely;
      return `<tr><td>${escapeHtml(m.model)}</td><td>${s.T}</td><td>${s.exceptions} (${fmt(s.exceptionRate * 100, 3)} %)</td><td>${fmt(s.pof.stat)} / ${fmt(s.pof.p)}</td><td>${fmt(s.tuff.stat)} / ${fmt(s.tuff.p)}</td><td>${fmt(s.independence.stat)} / ${fmt(s.independence.p)}</td><td>${fmt(s.conditionalCoverage.stat)} / ${fmt(s.conditionalCoverage.p)}</td><td class="${s.trafficLight.zone}">${s.trafficLight.zone} (${s.trafficLight.exceptions})</td><td>${as === undefined ? '–' : `${fmt(as.z2)}`}</td><td>${fmt(s.averageMargin, 6)}</td><td>${fmt(s.coverageRatio)}</td><td>${fmt(s.procyclicality.peakToTrough)}</td><td>${fmt(s.procyclicality.max1Day)}</td><td>${fmt(s.procyclicality.max30Day)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmargin backtest ${escapeHtml(report.portfolio)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1040px;color:#222}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}.green{background:#e3f5e1}.yellow{background:#fff5cc}.red{background:#fbdcdc}
figure{margin:18px 0}p.note{color:#555;font-size:13px}
</style></head><body>
<h1>Backtest: ${escapeHtml(report.portfolio)}</h1>
<p>Decision days ${escapeHtml(report.from)} to ${escapeHtml(report.to)}; margin set at each close with data up to that close only, compared with the loss realised over the next ${report.horizon} days; coverage tested at ${report.coverage}.</p>
<p><strong>${escapeHtml(report.verdict)}</strong></p>
<h2>Statistics</h2>
<table><thead><tr><th>model</th><th>days</th><th>exceptions</th><th>Kupiec POF LR / p</th><th>TUFF LR / p</th><th>Christoffersen ind. LR / p †</th><th>cond. coverage LR / p †</th><th>traffic light (last ${lightWindow})</th><th>Acerbi–Szekely Z2</th><th>average margin</th><th>coverage ratio</th><th>peak / trough</th><th>max 1-day rise</th><th>max 30-day rise</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="note">An exception is a day whose realised loss exceeded the initial margin set before it. Statistics as in docs/backtesting.md; procyclicality = max/min margin and the largest 1- and 30-day margin ratios.</p>
<p class="note">† Christoffersen tests on ${escapeHtml(windowing)}${report.horizon > 1 ? ` (overlapping ${report.horizon}-day P&L clusters exceptions by construction; Kupiec POF, TUFF and the traffic light count every day)` : ''}.</p>
<h2>Margins</h2>
<figure>${marginChart}</figure>
${modelCharts.split('\n').map((c) => `<figure>${c}</figure>`).join('\n')}
<h2>Volatility</h2>
<figure>${volChart}</figure>
<figure>${paramChart}</figure>
</body></html>
`;
}
