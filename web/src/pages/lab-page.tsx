import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { Api, LabBacktest, LabCalibration, MarginSummary } from '../api.js';
import { UplotChart } from '../charts/uplot-chart.js';
import { ErrorBox } from '../components/error-box.js';
import { money, percent } from '../format.js';
import { StressSection } from './stress-section.js';

const seconds = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;
const COLOURS = ['#1f4e79', '#c62828', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f'];

function CalibrationSection({ api }: { api: Api }) {
  const [underlyings, setUnderlyings] = useState('BTC,ETH');
  const [data, setData] = useState<LabCalibration | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const load = (): void => {
    setBusy(true);
    setError(undefined);
    api
      .calibration(underlyings.split(',').map((s) => s.trim()).filter((s) => s !== ''), 12, 30)
      .then(setData, setError)
      .finally(() => setBusy(false));
  };
  useEffect(load, [api]);
  const chart = useMemo(() => {
    if (data === undefined) return undefined;
    const series: uPlot.Series[] = [{}];
    const values: number[][] = [];
    data.underlyings.forEach((u, i) => {
      const colour = COLOURS[i % COLOURS.length];
      series.push({ label: `${u.underlying} price scan range`, stroke: colour, width: 2, scale: '%' });
      series.push({ label: `${u.underlying} with APC`, stroke: colour, dash: [6, 4], scale: '%' });
      series.push({ label: `${u.underlying} EWMA vol (ann.)`, stroke: colour, width: 1, scale: 'vol' });
      values.push(u.priceScanRange.map((v) => v * 100), u.priceScanRangeApc.map((v) => v * 100), u.ewmaAnnualisedVol.map((v) => v * 100));
    });
    const options: Omit<uPlot.Options, 'width'> = {
      height: 280,
      series,
      axes: [{ label: 'calibration date (UTC)' }, { scale: '%', label: 'scan range (%)' }, { scale: 'vol', side: 1, label: 'vol (%)', grid: { show: false } }],
    };
    return { options, data: [data.dates.map(seconds), ...values] as uPlot.AlignedData };
  }, [data]);
  return (
    <section className="panel">
      <h3>Calibration over time</h3>
      <div className="toolbar">
        <input value={underlyings} onChange={(e) => setUnderlyings(e.target.value)} aria-label="underlyings" />
        <button type="button" onClick={load} disabled={busy}>
          {busy ? 'Calibrating…' : 'Calibrate'}
        </button>
        <span className="muted">12 calibrations, 30 days apart, up to the market date; 500-day lookback, 99 % over 2 days.</span>
      </div>
      <ErrorBox error={error} />
      {chart === undefined ? null : <UplotChart options={chart.options} data={chart.data} testId="calibration-chart" />}
      {data === undefined || data.signals.length === 0 ? null : (
        <p className="muted">
          Recalibration signals: {data.signals.map((s) => `${String(s.asOf)} ${String(s.kind)} ${String(s.underlying ?? '')}`).join('; ')}
        </p>
      )}
    </section>
  );
}

function BacktestSection({ api, accounts }: { api: Api; accounts: MarginSummary[] }) {
  const [account, setAccount] = useState<string>('');
  const [models, setModels] = useState('scenario-grid,hs-var');
  const [days, setDays] = useState(250);
  const [data, setData] = useState<LabBacktest | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (account === '' && accounts[0] !== undefined) setAccount(accounts[0].accountId);
  }, [accounts, account]);
  const run = (): void => {
    setBusy(true);
    setError(undefined);
    api
      .backtest(account, models.split(',').map((s) => s.trim()).filter((s) => s !== ''), days)
      .then(setData, setError)
      .finally(() => setBusy(false));
  };
  const chart = useMemo(() => {
    const first = data?.models[0];
    if (data === undefined || first === undefined) return undefined;
    const series: uPlot.Series[] = [{}, { label: 'realised loss', stroke: '#999', width: 1 }];
    const values: (number | null)[][] = [first.pnl.map((p) => -p)];
    data.models.forEach((m, i) => {
      series.push({ label: `${m.model} margin`, stroke: COLOURS[i % COLOURS.length], width: 2 });
      values.push(m.initialMargin);
    });
    data.models.forEach((m, i) => {
      series.push({ label: `${m.model} exceptions`, stroke: 'transparent', points: { show: true, size: 9, fill: COLOURS[i % COLOURS.length], stroke: '#000' } });
      values.push(m.exceptions.map((e, t) => (e ? -(m.pnl[t] as number) : null)));
    });
    return {
      options: { height: 300, series, axes: [{ label: 'decision date (UTC)' }, { size: 80, label: `margin and realised loss over ${data.horizon} d (account currency)` }] } as Omit<uPlot.Options, 'width'>,
      data: [first.dates.map(seconds), ...values] as uPlot.AlignedData,
    };
  }, [data]);
  return (
    <section className="panel">
      <h3>Backtest</h3>
      <div className="toolbar">
        <select value={account} onChange={(e) => setAccount(e.target.value)} aria-label="backtest account">
          {accounts.map((a) => (
            <option key={a.accountId}>{a.accountId}</option>
          ))}
        </select>
        <input value={models} onChange={(e) => setModels(e.target.value)} aria-label="models" size={30} />
        <input type="number" value={days} min={20} max={2500} onChange={(e) => setDays(Number(e.target.value))} aria-label="days" className="qty" />
        <button type="button" onClick={run} disabled={busy || account === ''}>
          {busy ? 'Backtesting…' : 'Backtest'}
        </button>
      </div>
      <ErrorBox error={error} />
      {data === undefined || chart === undefined ? (
        <p className="muted">Walk-forward, no look-ahead: each day's margin against the loss realised over the next day; exceptions marked.</p>
      ) : (
        <>
          <UplotChart options={chart.options} data={chart.data} testId="backtest-chart" />
          <table className="grid compact" data-testid="backtest-stats">
            <thead>
              <tr>
                <th>Model</th>
                <th className="num">Days</th>
                <th className="num">Exceptions</th>
                <th className="num">Rate</th>
                <th className="num">Kupiec POF p</th>
                <th className="num">Christoffersen CC p</th>
                <th>Traffic light</th>
                <th className="num">Avg margin</th>
                <th>Adequate</th>
              </tr>
            </thead>
            <tbody>
              {data.models.map((m) => {
                const s = m.summary as { T: number; exceptions: number; exceptionRate: number; pof: { p: number }; conditionalCoverage: { p: number }; trafficLight: { zone: string }; averageMargin: number };
                const rank = data.ranking.find((r) => r.model === m.model);
                return (
                  <tr key={m.model}>
                    <td>{m.model}</td>
                    <td className="num">{s.T}</td>
                    <td className="num">{s.exceptions}</td>
                    <td className="num">{percent(s.exceptionRate, 2)}</td>
                    <td className="num">{s.pof.p.toFixed(3)}</td>
                    <td className="num">{s.conditionalCoverage.p.toFixed(3)}</td>
                    <td>
                      <span className={`badge zone-${s.trafficLight.zone}`}>{s.trafficLight.zone}</span>
                    </td>
                    <td className="num">{money(s.averageMargin)}</td>
                    <td>{rank?.adequate === true ? 'yes' : 'no'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p>{data.verdict}</p>
        </>
      )}
    </section>
  );
}

/** Calibration results over time, backtests with exceptions and statistics, and stress results. */
export function LabPage({ api }: { api: Api }) {
  const [accounts, setAccounts] = useState<MarginSummary[]>([]);
  useEffect(() => {
    api.margins().then(setAccounts, () => setAccounts([]));
  }, [api]);
  return (
    <div className="lab">
      <CalibrationSection api={api} />
      <BacktestSection api={api} accounts={accounts} />
      <StressSection api={api} />
    </div>
  );
}
