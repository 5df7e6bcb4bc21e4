import type { EChartOption } from './echart.js';

interface Component {
  name: string;
  group: string;
  value: number;
}

/** Credits, offsets and reliefs lower the margin; every other component adds to it. */
export function isReduction(name: string): boolean {
  return /credit|offset|relief|discount/i.test(name);
}

/**
 * A waterfall of margin components (ECharts stacked bars on an invisible base): each component rises or falls from
 * the running total, then a final bar shows the initial margin. Methods that take a maximum or a floor (SPAN's
 * short-option minimum, max-of-groups) do not simply add up: the difference appears as one "max / floor rules" step,
 * so the waterfall always ends at the reported margin.
 */
export function waterfallOption(components: readonly Component[], initialMargin: number): EChartOption {
  const labels: string[] = [];
  const base: number[] = [];
  const rise: number[] = [];
  const fall: number[] = [];
  let total = 0;
  const step = (label: string, delta: number): void => {
    labels.push(label);
    const next = total + delta;
    base.push(Math.min(total, next));
    rise.push(delta >= 0 ? delta : 0);
    fall.push(delta < 0 ? -delta : 0);
    total = next;
  };
  for (const c of components) step(`${c.name}\n${c.group}`, isReduction(c.name) ? -Math.abs(c.value) : c.value);
  const rest = initialMargin - total;
  if (Math.abs(rest) > 1e-9 * Math.max(1, Math.abs(initialMargin))) step('max / floor rules', rest);
  labels.push('initial margin');
  base.push(0);
  rise.push(initialMargin);
  fall.push(0);
  const money = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => money(Number(v)) },
    grid: { left: 70, right: 20, top: 20, bottom: 70 },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, fontSize: 10 } },
    yAxis: { type: 'value' },
    series: [
      { name: 'base', type: 'bar', stack: 'w', data: base, itemStyle: { color: 'transparent' }, emphasis: { disabled: true }, tooltip: { show: false } },
      { name: 'adds', type: 'bar', stack: 'w', data: rise, itemStyle: { color: '#1f4e79' } },
      { name: 'lowers', type: 'bar', stack: 'w', data: fall, itemStyle: { color: '#2e7d32' } },
    ],
  };
}
