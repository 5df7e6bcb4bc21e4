/**
 * A self-contained SVG line chart (no scripts, no network): the backtest and cascade reports embed these so the page works
 * offline. Series share the x axis (dates); markers draw points (exceptions) on top.
 */
export interface ChartSeries {
  readonly name: string;
  readonly values: ArrayLike<number>;
  readonly color: string;
  /** Draw only points where the value is finite (markers), instead of a line. */
  readonly markers?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly dates: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Series colours of the self-contained reports (backtest, cascade), in order. */
export const CHART_PALETTE: readonly string[] = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#bcbd22', '#7f7f7f'];

/** Text safe inside SVG/HTML elements and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short human tick label: 1,234 → "1.23k", 2.5e6 → "2.5M". */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

export function svgLineChart(chart: LineChart): string {
  const width = chart.width ?? 960;
  const height = chart.height ?? 280;
  const left = 64;
  const right = 12;
  const top = 28;
  const bottom = 36;
  const n = chart.dates.length;
  let min = Infinity;
  let max = -Infinity;
  for (const s of chart.series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min)) {
    min = 0;
    max = 1;
  }
  if (max === min) max = min + 1;
  const pad = (max - min) * 0.05;
  min -= pad;
  max += pad;
  const x = (i: number): number => left + (n <= 1 ? 0 : (i / (n - 1)) * (width - left - right));
  const y = (v: number): number => top + (1 - (v - min) / (max - min)) * (height - top - bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(chart.title)}">`);
  parts.push(`<text x="${left}" y="18" font-size="14" font-weight="600">${escapeXml(chart.title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = min + ((max - min) * k) / 4;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#555">${tickLabel(v)}</text>`);
  }
  if (min < 0 && max > 0) parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#999"/>`);
  for (let k = 0; k <= 5 && n > 0; k++) {
    const i = Math.round(((n - 1) * k) / 5);
    parts.push(`<text x="${x(i).toFixed(1)}" y="${height - 12}" font-size="11" text-anchor="middle" fill="#555">${escapeXml(chart.dates[i] ?? '')}</text>`);
  }
  for (const s of chart.series) {
    if (s.markers === true) {
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i]!;
        if (Number.isFinite(v)) parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeXml(`${chart.dates[i]}: ${s.name} ${v.toFixed(2)}`)}</title></circle>`);
      }
      continue;
    }
    let d = '';
    let pen = false;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.3"/>`);
  }
  chart.series.forEach((s, k) => {
    const lx = left + 10 + k * 170;
    parts.push(`<rect x="${lx}" y="${top - 2}" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="${top + 7}" font-size="11">${escapeXml(s.name)}</text>`);
  });
  if (chart.yLabel !== undefined) parts.push(`<text x="14" y="${height / 2}" font-size="11" transform="rotate(-90 14 ${height / 2})" text-anchor="middle" fill="#555">${escapeXml(chart.yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
