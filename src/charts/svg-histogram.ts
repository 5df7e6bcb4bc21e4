import { escapeXml, tickLabel } from './svg-line-chart.js';

/**
 * A self-contained SVG bar histogram (no scripts, no network), companion of svg-line-chart.ts:
 * `counts[k]` accounts fall in [edges[k], edges[k + 1]); bars are equally wide whatever the edges (log-spaced bins
 * read left to right), each labelled by its lower edge.
 */
export interface Histogram {
  readonly title: string;
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly color?: string;
  readonly xLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

export function svgHistogram(h: Histogram): string {
  const width = h.width ?? 960;
  const height = h.height ?? 260;
  const left = 64;
  const right = 12;
  const top = 28;
  const bottom = 44;
  const n = h.counts.length;
  const max = Math.max(1, ...h.counts);
  const barWidth = n === 0 ? 0 : (width - left - right) / n;
  const y = (v: number): number => top + (1 - v / max) * (height - top - bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(h.title)}">`);
  parts.push(`<text x="${left}" y="18" font-size="14" font-weight="600">${escapeXml(h.title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#555">${tickLabel(v)}</text>`);
  }
  const step = Math.max(1, Math.ceil(n / 8));
  for (let k = 0; k < n; k++) {
    const x = left + k * barWidth;
    const c = h.counts[k]!;
    const label = `${tickLabel(h.edges[k]!)} – ${tickLabel(h.edges[k + 1]!)}: ${c}`;
    parts.push(`<rect x="${(x + 1).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(0, barWidth - 2).toFixed(1)}" height="${(y(0) - y(c)).toFixed(1)}" fill="${h.color ?? '#1f77b4'}"><title>${escapeXml(label)}</title></rect>`);
    if (k % step === 0) parts.push(`<text x="${x.toFixed(1)}" y="${height - 26}" font-size="11" text-anchor="middle" fill="#555">${tickLabel(h.edges[k]!)}</text>`);
  }
  if (n === 0) parts.push(`<text x="${width / 2}" y="${height / 2}" font-size="13" text-anchor="middle" fill="#555">no account lost anything</text>`);
  if (h.xLabel !== undefined) parts.push(`<text x="${(left + width - right) / 2}" y="${height - 6}" font-size="11" text-anchor="middle" fill="#555">${escapeXml(h.xLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
