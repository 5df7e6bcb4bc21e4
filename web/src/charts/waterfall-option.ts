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
 * How much a component moves the requirement. Credits lower it by their size. SPAN's `netOptionValue` is signed
 * (long options positive) and the requirement is risk − NOV (span.md §7), so a short option's negative NOV raises it.
 */
export function componentStep(name: string, value: number): number {
  if (name === 'netOptionValue') return -value;
  return isReduction(name) ? -Math.abs(value) : value;
}

/**
 * A waterfall of margin components (ECharts stacked bars on an invisible base): each component rises or falls from
 * the running total, then a final bar shows the initial margin. Methods that take a maximum or a floor (SPAN's
 * short-option minimum, max-of-groups) or scale maintenance to initial do not simply add up: the difference appears
 * as one "other rules" step, so the waterfall always ends at the reported initial margin.
 */
export function waterfallOption(components: readonly Component[], initialMargin: number, currency = ''): EChartOption {
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
  // Zero components (a spread that did not form) would only crowd the axis.
  for (const c of components) if (c.value !== 0) step(`${c.name}\n${c.group}`, componentStep(c.name, c.value));
  const rest = initialMargin - total;
  if (Math.abs(rest) > 1e-9 * Math.max(1, Math.abs(initialMargin))) step('other rules\n(max, floor, IM/MM)', rest);
  labels.push('initial margin');
  base.push(0);
  rise.push(initialMargin);
  fall.push(0);
  const money = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => money(Number(v)) },
    legend: { top: 0, data: ['adds', 'lowers'] },
    grid: { left: 70, right: 20, top: 40, bottom: 90 },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, fontSize: 10, lineHeight: 13, rotate: labels.length > 5 ? 30 : 0 } },
    yAxis: { type: 'value', name: currency === '' ? 'margin' : `margin (${currency})`, nameTextStyle: { align: 'left' } },
    series: [
      { name: 'base', type: 'bar', stack: 'w', data: base, itemStyle: { color: 'transparent' }, emphasis: { disabled: true }, tooltip: { show: false } },
      { name: 'adds', type: 'bar', stack: 'w', data: rise, itemStyle: { color: '#1f4e79' } },
      { name: 'lowers', type: 'bar', stack: 'w', data: fall, itemStyle: { color: '#2e7d32' } },
    ],
  };
}
