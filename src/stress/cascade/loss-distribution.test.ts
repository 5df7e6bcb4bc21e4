import { describe, expect, it } from 'vitest';
import { lossDistribution } from './loss-distribution.js';
import { svgHistogram } from '../../charts/svg-histogram.js';

describe('lossDistribution', () => {
  const d = lossDistribution(Float64Array.from([0, -5, 10, 100, 1000, 10_000]), 4);

  it('summarises every account and bins the positive losses on log-spaced edges', () => {
    expect(d.accounts).toBe(6);
    expect(d.accountsWithLoss).toBe(4);
    expect(d.total).toBe(11_105);
    expect(d.p50).toBe(10);
    expect(d.max).toBe(10_000);
    expect(d.histogram.edges.map((e) => Math.round(e))).toEqual([10, 56, 316, 1778, 10_000]);
    expect(d.histogram.counts).toEqual([1, 1, 1, 1]);
  });

  it('renders a self-contained SVG histogram', () => {
    const svg = svgHistogram({ title: 'losses <USD>', edges: d.histogram.edges, counts: d.histogram.counts });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(4);
    expect(svg).toContain('losses &lt;USD&gt;');
    expect(svg).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
