import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { Profile } from '../api.js';
import { signedPercent } from '../format.js';
import { EChart, type EChartOption } from './echart.js';
import { UplotChart } from './uplot-chart.js';

const PALETTE = ['#c62828', '#ef6c00', '#555555', '#1565c0', '#6a1b9a', '#00838f', '#2e7d32'];

/** P&L over price moves, one line per vol scenario, the worst grid point marked. */
export function ProfileLines({ profile }: { profile: Profile }) {
  const { options, data } = useMemo(() => {
    const x = profile.priceMoves.map((m) => m * 100);
    const worst = x.map((_, p) => (profile.priceMoves[p] === profile.worst.priceMove ? profile.worst.pnl : null));
    const series: uPlot.Series[] = [
      { label: 'price move %' },
      ...profile.volMoves.map((v, i) => ({ label: `vol ${signedPercent(v)}`, stroke: PALETTE[i % PALETTE.length], width: v === 0 ? 2.5 : 1.5 })),
      { label: 'worst', stroke: 'transparent', points: { show: true, size: 12, stroke: '#000', fill: '#ffeb3b' } },
    ];
    const options: Omit<uPlot.Options, 'width'> = {
      height: 300,
      scales: { x: { time: false } },
      axes: [{ label: 'price move (%)' }, { label: `P&L (${profile.currency})`, size: 80 }],
      series,
    };
    const data = [x, ...profile.pnl, worst] as uPlot.AlignedData;
    return { options, data };
  }, [profile]);
  return <UplotChart options={options} data={data} testId="profile-lines" />;
}

/** Price × vol heat map of the same grid, the worst cell marked. */
export function ProfileHeatMap({ profile }: { profile: Profile }) {
  const option = useMemo((): EChartOption => {
    const cells: [number, number, number][] = [];
    let lo = 0;
    let hi = 0;
    profile.pnl.forEach((row, v) =>
      row.forEach((value, p) => {
        cells.push([p, v, value]);
        lo = Math.min(lo, value);
        hi = Math.max(hi, value);
      }),
    );
    const bound = Math.max(Math.abs(lo), Math.abs(hi), 1e-9);
    const wp = profile.priceMoves.indexOf(profile.worst.priceMove);
    const wv = profile.volMoves.indexOf(profile.worst.volMove);
    return {
      tooltip: { formatter: (p: { value: [number, number, number] }) => `price ${signedPercent(profile.priceMoves[p.value[0]] ?? 0)}, vol ${signedPercent(profile.volMoves[p.value[1]] ?? 0)}: ${p.value[2].toLocaleString('en-US', { maximumFractionDigits: 2 })}` },
      grid: { left: 70, right: 20, top: 10, bottom: 80 },
      xAxis: { type: 'category', data: profile.priceMoves.map(signedPercent), name: 'price move', nameLocation: 'middle', nameGap: 35, axisLabel: { fontSize: 9 } },
      yAxis: { type: 'category', data: profile.volMoves.map(signedPercent), name: 'vol move', nameLocation: 'middle', nameGap: 55 },
      visualMap: { min: -bound, max: bound, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#c62828', '#ffffff', '#2e7d32'] } },
      series: [
        {
          type: 'heatmap',
          data: cells,
          markPoint: { symbol: 'pin', symbolSize: 36, itemStyle: { color: '#000' }, label: { show: true, formatter: 'worst', fontSize: 9 }, data: [{ coord: [wp, wv] }] },
        },
      ],
    };
  }, [profile]);
  return <EChart option={option} height={300} testId="profile-heatmap" />;
}
