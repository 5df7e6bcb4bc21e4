import { describe, expect, it } from 'vitest';
import { componentStep, waterfallOption } from './waterfall-option.js';

interface Bars {
  xAxis: { data: string[] };
  series: { data: number[] }[];
}

describe('waterfallOption', () => {
  it('walks SPAN components to the initial margin: scan risk, −NOV of a short option, then the IM/MM step', () => {
    const components = [
      { name: 'scanRisk', group: 'BTC', value: 8_000 },
      { name: 'intraSpreadCharge', group: 'BTC', value: 0 },
      { name: 'interSpreadCredit', group: 'BTC', value: 500 },
      { name: 'netOptionValue', group: 'BTC', value: -18_000 },
    ];
    const option = waterfallOption(components, 25_500 * 1.1) as unknown as Bars;
    expect(option.xAxis.data).toEqual(['scanRisk\nBTC', 'interSpreadCredit\nBTC', 'netOptionValue\nBTC', 'other rules\n(max, floor, IM/MM)', 'initial margin']);
    const [base, rise, fall] = option.series.map((s) => s.data) as [number[], number[], number[]];
    // Running totals: 8,000 → 7,500 → 25,500 → 28,050; the last bar is the margin itself.
    expect(base.slice(0, 4)).toEqual([0, 7_500, 7_500, 25_500]);
    expect(rise[0]).toBe(8_000);
    expect(fall[1]).toBe(500);
    expect(rise[2]).toBe(18_000);
    expect(rise[3]).toBeCloseTo(2_550, 9);
    expect(rise[4]).toBeCloseTo(28_050, 9);
  });

  it('needs no balancing step when the components add up', () => {
    const option = waterfallOption([{ name: 'gridRisk', group: 'BTC', value: 100 }], 100) as unknown as Bars;
    expect(option.xAxis.data).toEqual(['gridRisk\nBTC', 'initial margin']);
  });

  it('credits always lower the requirement, whatever their sign', () => {
    expect(componentStep('interSpreadCredit', 300)).toBe(-300);
    expect(componentStep('correlationRelief', -300)).toBe(-300);
    expect(componentStep('netOptionValue', 250)).toBe(-250);
    expect(componentStep('addOn', 40)).toBe(40);
  });
});
