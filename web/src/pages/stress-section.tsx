import { useMemo, useState } from 'react';
import type { Api, LabStress } from '../api.js';
import { EChart, type EChartOption } from '../charts/echart.js';
import { ErrorBox } from '../components/error-box.js';
import { money } from '../format.js';

/** Every account under the stress scenario library: loss against margin and equity, accounts in deficit, Cover-1/2. */
export function StressSection({ api }: { api: Api }) {
  const [data, setData] = useState<LabStress | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = (): void => {
    setBusy(true);
    setError(undefined);
    api
      .stress()
      .then(setData, setError)
      .finally(() => setBusy(false));
  };
  const option = useMemo((): EChartOption | undefined => {
    if (data === undefined) return undefined;
    const total = data.scenarios.map((_, s) => data.accounts.reduce((sum, a) => sum + Math.max(0, a.losses[s] ?? 0), 0));
    const deficit = data.scenarios.map((_, s) => data.accounts.reduce((sum, a) => sum + (a.deficits[s] ?? 0), 0));
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 80, right: 20, top: 40, bottom: 90 },
      xAxis: { type: 'category', data: data.scenarios.map((s) => s.id), name: 'scenario', nameLocation: 'middle', nameGap: 70, axisLabel: { rotate: 35, fontSize: 10 } },
      // Summed over the accounts, each in its own currency (the demo's are all USD).
      yAxis: { type: 'value', name: 'loss (account currency)', nameTextStyle: { align: 'left' } },
      series: [
        { name: 'loss (all accounts)', type: 'bar', data: total, itemStyle: { color: '#ef6c00' } },
        { name: 'deficit beyond equity', type: 'bar', data: deficit, itemStyle: { color: '#c62828' } },
      ],
    };
  }, [data]);
  return (
    <section className="panel">
      <h3>Stress tests</h3>
      <div className="toolbar">
        <button type="button" onClick={run} disabled={busy}>
          {busy ? 'Stressing…' : 'Run the scenario library'}
        </button>
        <span className="muted">Historical stress periods, hypothetical moves and correlation breakdowns, applied to every account on today's market.</span>
      </div>
      <ErrorBox error={error} />
      {data === undefined || option === undefined ? null : (
        <>
          <EChart option={option} height={300} testId="stress-chart" />
          <p data-testid="cover">
            Cover-1: <strong>{money(data.cover.cover1)}</strong>, Cover-2: <strong>{money(data.cover.cover2)}</strong>
            {data.cover.scenario === undefined ? '' : ` (scenario ${data.cover.scenario}; members ${data.cover.members.join(', ')})`}
          </p>
          <table className="grid compact" data-testid="stress-table">
            <thead>
              <tr>
                <th>Account</th>
                <th className="num">Equity</th>
                <th className="num">Margin</th>
                <th className="num">Worst loss</th>
                <th>Worst scenario</th>
                <th className="num">Deficit</th>
              </tr>
            </thead>
            <tbody>
              {data.accounts.map((a) => {
                let w = 0;
                a.losses.forEach((l, s) => {
                  if (l > (a.losses[w] ?? Number.NEGATIVE_INFINITY)) w = s;
                });
                return (
                  <tr key={a.accountId} className={(a.deficits[w] ?? 0) > 0 ? 'deficit' : undefined}>
                    <td>{a.accountId}</td>
                    <td className="num">{money(a.equity)}</td>
                    <td className="num">{money(a.margin)}</td>
                    <td className="num">{money(a.losses[w])}</td>
                    <td>{data.scenarios[w]?.label}</td>
                    <td className="num">{money(a.deficits[w])}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
