import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { ApiError, type Api, type LiquidationPlanView } from '../api.js';
import { UplotChart } from '../charts/uplot-chart.js';
import { money, percent } from '../format.js';
import { ErrorBox } from './error-box.js';

type Plan = LiquidationPlanView['plan'];

const STATUS_COLOURS: Record<string, string> = { active: '#c62828', completed: '#2e7d32', cancelled: '#6b7685' };

/** Expected equity and maintenance margin after each slice (slice 0 = the start), account currency. */
function PlanChart({ plan, applied }: { plan: Plan; applied: ReadonlySet<number> }) {
  const { options, data } = useMemo(() => {
    const x = [0, ...plan.slices.map((s) => s.index + 1)];
    const equity = [plan.start.equity, ...plan.slices.map((s) => s.expected.equityAfter)];
    const maintenance = [plan.start.maintenanceMargin, ...plan.slices.map((s) => s.expected.maintenanceMarginAfter)];
    const done = [applied.size > 0 ? plan.start.equity : null, ...plan.slices.map((s) => (applied.has(s.index) ? s.expected.equityAfter : null))];
    const options: Omit<uPlot.Options, 'width'> = {
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'after slice' }, { label: plan.currency, size: 80 }],
      series: [
        { label: 'slice' },
        { label: `expected equity (${plan.currency})`, stroke: '#1565c0', width: 2 },
        { label: `expected maintenance (${plan.currency})`, stroke: '#c62828', width: 1.5, dash: [6, 4] },
        { label: 'executed', stroke: 'transparent', points: { show: true, size: 8, stroke: '#1565c0', fill: '#1565c0' } },
      ],
    };
    return { options, data: [x, equity, maintenance, done] as uPlot.AlignedData };
  }, [plan, applied]);
  return <UplotChart options={options} data={data} testId="liquidation-chart" />;
}

/**
 * The account's latest liquidation plan (GET /accounts/:id/liquidation-plan): status, rule, the slices with their
 * expected prices, cash and equity, the fills applied so far, the insurance fund's cover and the outcome. Every plan
 * figure is labelled as expected at planning time. Shows nothing when the account never had a plan.
 */
export function LiquidationPlanPanel({ api, accountId, refresh }: { api: Api; accountId: string; refresh: number }) {
  const [view, setView] = useState<LiquidationPlanView | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    api.liquidationPlan(accountId).then(
      (v) => {
        if (!live) return;
        setView(v);
        setError(undefined);
      },
      (e: unknown) => {
        if (!live) return;
        setView(undefined);
        // No plan is the usual case: nothing to show.
        setError(e instanceof ApiError && e.status === 404 ? undefined : e);
      },
    );
    return () => {
      live = false;
    };
  }, [api, accountId, refresh]);

  const fills = useMemo(() => new Map((view?.fills ?? []).map((f) => [f.slice, f])), [view]);
  const applied = useMemo(() => new Set((view?.fills ?? []).map((f) => f.slice)), [view]);
  if (view === undefined) return error === undefined ? null : <ErrorBox error={error} />;
  const { plan, outcome } = view;
  const c = plan.currency;
  const conversions = view.fills.filter((f) => f.slice >= plan.slices.length);
  return (
    <section className="panel" data-testid="liquidation-plan">
      <h3>
        Liquidation plan{' '}
        <span className="badge" style={{ background: STATUS_COLOURS[view.status] ?? '#555' }} data-testid="liquidation-status">
          {view.status}
        </span>
        <span className="muted">
          {' '}
          {plan.rule.kind === 'venue' ? `${plan.model} venue rule (${plan.rule.asOf})` : `default rule on ${plan.model}`} · {view.fills.length - conversions.length}/{plan.slices.length} slices executed
        </span>
      </h3>
      <p className="muted" data-testid="liquidation-expected-label">
        Expected figures: computed at planning time on the market of {plan.asOf.slice(0, 16).replace('T', ' ')}; executed fills may differ. Equity is{' '}
        {plan.equityBasis === 'venue' ? "the venue rule's equity" : "the account's equity (haircuts, entry prices)"}, in {c}.
      </p>
      <div className="figures">
        <div className="figure">
          <div className="figure-label">Start: equity / maintenance ({c})</div>
          <div className="figure-value">
            {money(plan.start.equity)} / {money(plan.start.maintenanceMargin)}
          </div>
        </div>
        <div className="figure">
          <div className="figure-label">Expected end: equity / maintenance ({c})</div>
          <div className="figure-value" data-testid="liquidation-expected-equity">
            {money(plan.expected.equity)} / {money(plan.expected.maintenanceMargin)}
          </div>
        </div>
        <div className="figure">
          <div className="figure-label">Expected insurance fund ({c}): before → cover → after</div>
          <div className="figure-value">
            {money(plan.insuranceFund.before)} → {money(plan.insuranceFund.cover)} → {money(plan.insuranceFund.after)}
          </div>
        </div>
        <div className="figure">
          <div className="figure-label">Expected bad debt ({c})</div>
          <div className="figure-value">{money(plan.badDebt)}</div>
        </div>
      </div>
      {outcome === undefined ? null : (
        <p data-testid="liquidation-outcome">
          <strong>Outcome ({outcome.result})</strong>: equity {money(outcome.equity)} {c}, state {outcome.state ?? '—'}; unpaid loss {money(outcome.unpaid)}, of it paid from other collateral{' '}
          {money(outcome.paidFromCollateral)}, deficit {money(outcome.deficit)} {c}; insurance fund covered {money(outcome.insuranceFund.cover)} {outcome.insuranceFund.currency} (
          {money(outcome.insuranceFund.before)} → {money(outcome.insuranceFund.after)}); bad debt <strong>{money(outcome.badDebt)}</strong> {c}.
        </p>
      )}
      <ErrorBox error={error} />
      {plan.slices.length === 0 ? (
        <p className="muted">The rule found nothing to close ({plan.stoppedBy}).</p>
      ) : (
        <>
          <PlanChart plan={plan} applied={applied} />
          <table className="grid compact" data-testid="liquidation-slices">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Instrument</th>
                <th className="num">Contracts</th>
                <th className="num">Expected price</th>
                <th className="num">Impact</th>
                <th className="num">Expected cash</th>
                <th className="num">Penalty ({c})</th>
                <th className="num">Equity after ({c})</th>
                <th className="num">Maintenance after ({c})</th>
                <th className="num">Executed at</th>
                <th className="num">Balance after</th>
              </tr>
            </thead>
            <tbody>
              {plan.slices.map((s) => {
                const fill = fills.get(s.index);
                return (
                  <tr key={s.index} data-slice={s.index} className={fill === undefined ? 'muted' : undefined}>
                    <td className="num">{s.index + 1}</td>
                    <td>{s.instrument}</td>
                    <td className="num">{s.quantity.toLocaleString('en-US')}</td>
                    <td className="num">
                      {money(s.expected.price)} {s.priceCurrency}
                    </td>
                    <td className="num">{percent(s.impact, 2)}</td>
                    <td className="num">
                      {money(s.expected.cashDelta)} {s.cashCurrency}
                    </td>
                    <td className="num">{money(s.expected.penalty)}</td>
                    <td className="num">{money(s.expected.equityAfter)}</td>
                    <td className="num">{money(s.expected.maintenanceMarginAfter)}</td>
                    <td className="num">{fill === undefined ? 'pending' : `${money(fill.price)} ${s.priceCurrency}`}</td>
                    <td className="num">{fill === undefined ? '' : `${money(fill.balance)} ${fill.cashCurrency}`}</td>
                  </tr>
                );
              })}
              {conversions.map((f) => (
                <tr key={f.slice} data-slice={f.slice}>
                  <td className="num">{f.slice + 1}</td>
                  <td colSpan={4}>collateral conversion: {f.instrument} sold for the unpaid loss</td>
                  <td className="num">
                    {money(f.cashDelta)} {f.cashCurrency}
                  </td>
                  <td colSpan={3} />
                  <td className="num">
                    {money(f.price)} {c}/{f.instrument}
                  </td>
                  <td className="num">
                    {money(f.balance)} {f.cashCurrency}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
