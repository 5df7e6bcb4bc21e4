import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, type AccountView, type Api, type LiveMargin, type ModelComparison, type Profile } from '../api.js';
import { EChart } from '../charts/echart.js';
import { ProfileHeatMap, ProfileLines } from '../charts/profile-charts.js';
import { waterfallOption } from '../charts/waterfall-option.js';
import { ErrorBox } from '../components/error-box.js';
import { LiquidationPlanPanel } from '../components/liquidation-plan-panel.js';
import { PanelBasis } from '../components/panel-basis.js';
import { StateBadge } from '../components/state-badge.js';
import { ReverseStressLine } from '../components/reverse-stress-line.js';
import { WhatIfPanel } from '../components/what-if-panel.js';
import { money, percent, signedPercent, utcMinute } from '../format.js';
import { useStream } from '../use-stream.js';

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="figure">
      <div className="figure-label">{label}</div>
      <div className="figure-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** Why and since when the engine cannot margin the account: from its margin, or from the error of one never margined. */
interface Unmarginable {
  reason: string;
  code: string | undefined;
  since: number | undefined;
  /** False for an account never margined: there is no figure to hold. */
  held: boolean;
}

function unmarginableOf(margin: LiveMargin | undefined, marginError: unknown): Unmarginable | undefined {
  if (margin?.state === 'unmarginable' || margin?.unmarginable !== undefined) {
    return { reason: margin.unmarginable?.reason ?? 'the engine cannot margin the account', code: margin.unmarginable?.code, since: margin.unmarginable?.since, held: true };
  }
  if (margin === undefined && marginError instanceof ApiError && marginError.code === 'ACCOUNT_UNMARGINABLE') {
    const reason = marginError.details?.['reason'];
    const code = marginError.details?.['code'];
    return { reason: typeof reason === 'string' ? reason : marginError.message, code: typeof code === 'string' ? code : undefined, since: undefined, held: false };
  }
  return undefined;
}

/** The red banner of an unmarginable account (docs/dashboard.md "States and colours"). */
function UnmarginableBanner({ info }: { info: Unmarginable }) {
  return (
    <div className="banner-unmarginable" data-testid="unmarginable-banner">
      <strong>{info.held ? 'Unmarginable — margin held at the last good figure; reduce-only' : 'Unmarginable — never margined, no figure to hold; reduce-only'}</strong>
      <div data-testid="unmarginable-reason">
        {info.reason}
        {info.code === undefined ? '' : ` (${info.code})`}
      </div>
      {info.since === undefined ? null : <div data-testid="unmarginable-since">since {utcMinute(info.since)}</div>}
    </div>
  );
}

/** One account: positions with contributions, the margin waterfall, the scenario P&L profile, liquidation, other models, what-if. */
export function AccountPage({ api, accountId }: { api: Api; accountId: string }) {
  const [account, setAccount] = useState<AccountView | undefined>();
  const [margin, setMargin] = useState<LiveMargin | undefined>();
  const [profile, setProfile] = useState<Profile | undefined>();
  const [comparison, setComparison] = useState<ModelComparison | undefined>();
  const [error, setError] = useState<unknown>();
  /** Why the margin could not be read (an unmarginable account never margined answers ACCOUNT_UNMARGINABLE). */
  const [marginError, setMarginError] = useState<unknown>();
  const [profileError, setProfileError] = useState<unknown>();
  /** The model whose components the waterfall shows: the live one unless a row of the comparison was picked. */
  const [waterfallModel, setWaterfallModel] = useState<string | undefined>();
  /** Bumped by this account's liquidation events: the plan panel reloads. */
  const [liquidationTick, setLiquidationTick] = useState(0);

  const refreshMargin = useCallback(() => {
    api.margin(accountId).then(
      (m) => {
        setMargin(m);
        setMarginError(undefined);
      },
      (e: unknown) => setMarginError(e),
    );
  }, [api, accountId]);

  useEffect(() => {
    setError(undefined);
    setMargin(undefined);
    setMarginError(undefined);
    api.account(accountId).then(setAccount, setError);
    refreshMargin();
    api.profile(accountId).then(setProfile, setProfileError);
    api.compare(accountId).then(setComparison, () => setComparison(undefined));
  }, [api, accountId, refreshMargin]);

  // Live: a fresh margin whenever the server says this account was recomputed.
  useStream(api.key, {
    onMargins: (rows) => {
      if (rows.some((r) => r.accountId === accountId)) refreshMargin();
    },
    onEvent: (event) => {
      if (event.accountId === accountId && typeof event.type === 'string' && event.type.startsWith('liquidation')) setLiquidationTick((n) => n + 1);
    },
  });

  const instruments = useMemo(() => {
    const names = new Set<string>(account?.positions.map((p) => p.instrument) ?? []);
    for (const u of profile?.underlyings ?? []) names.add(`${u}_USDC-PERPETUAL`);
    return [...names];
  }, [account, profile]);

  const picked = comparison?.models.find((m) => m.model === waterfallModel && m.components !== undefined);
  const waterfall = useMemo(() => {
    if (picked?.components !== undefined && picked.initialMargin !== undefined) return waterfallOption(picked.components, picked.initialMargin, picked.currency);
    return margin === undefined ? undefined : waterfallOption(margin.result.components, margin.result.initialMargin, margin.result.currency);
  }, [margin, picked]);
  const contributions = useMemo(() => new Map(margin?.result.positions.map((p) => [p.instrument, p.contribution]) ?? []), [margin]);
  const unmarginable = unmarginableOf(margin, marginError);
  const held = unmarginable?.held === true ? ' (held)' : '';
  const largestIm = Math.max(1e-9, ...(comparison?.models.map((m) => m.initialMargin ?? 0) ?? [0]));

  return (
    <div className="account">
      <h2>
        <a href="#/">Overview</a> / <span data-testid="account-id">{accountId}</span> <StateBadge state={margin?.state ?? (unmarginable === undefined ? undefined : 'unmarginable')} title={unmarginable?.reason} />
        {margin?.stale === true ? <span className="badge badge-stale">stale: {margin.staleUnderlyings.join(', ')}</span> : null}
      </h2>
      {unmarginable === undefined ? null : <UnmarginableBanner info={unmarginable} />}
      <ErrorBox error={error} />
      {unmarginable?.held === false ? null : <ErrorBox error={marginError} />}
      {margin === undefined ? null : (
        <div className="figures">
          <Figure label={`Equity (${margin.result.currency})`} value={money(margin.equity)} testId="equity" />
          <Figure label={`Initial margin${held}`} value={money(margin.result.initialMargin)} testId="initial-margin" />
          <Figure label={`Maintenance margin${held}`} value={money(margin.result.maintenanceMargin)} testId="maintenance-margin" />
          <Figure label="Excess" value={money(margin.status.excess)} testId="excess" />
          <Figure label="Margin ratio" value={percent(margin.status.marginRatio)} testId="margin-ratio" />
          <Figure label="Model" value={`${margin.result.model}${margin.parameterVersion === undefined ? '' : ` v${margin.parameterVersion}`}`} testId="model" />
          <Figure label={unmarginable === undefined ? 'As of' : 'Last good market'} value={margin.asOf.slice(0, 16).replace('T', ' ')} testId="as-of" />
        </div>
      )}
      <LiquidationPlanPanel api={api} accountId={accountId} refresh={liquidationTick} />
      <div className="columns">
        <section className="panel">
          <h3>Positions</h3>
          <table className="grid compact" data-testid="positions">
            <thead>
              <tr>
                <th>Instrument</th>
                <th className="num">Quantity</th>
                <th className="num">Entry</th>
                <th className="num">Margin contribution</th>
              </tr>
            </thead>
            <tbody>
              {(account?.positions ?? []).map((p) => (
                <tr key={p.instrument}>
                  <td>{p.instrument}</td>
                  <td className="num">{p.quantity.toLocaleString('en-US')}</td>
                  <td className="num">{money(p.entryPrice)}</td>
                  <td className="num">{money(contributions.get(p.instrument))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>Collateral</h4>
          <table className="grid compact">
            <tbody>
              {Object.entries(account?.collateral ?? {}).map(([ccy, amount]) => (
                <tr key={ccy}>
                  <td>{ccy}</td>
                  <td className="num">{amount.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="panel">
          <h3 data-testid="waterfall-model">
            Margin components: {picked?.model ?? margin?.result.model ?? ''}
            {picked === undefined ? '' : ` (${picked.currency ?? ''}, not the live model)`}
          </h3>
          {waterfall === undefined ? <p className="muted">No margin yet.</p> : <EChart option={waterfall} height={300} testId="waterfall" />}
          {picked === undefined ? (
            <PanelBasis asOf={margin?.asOf} model={margin?.result.model} accountAsOf={margin?.asOf} testId="waterfall-basis" />
          ) : (
            <PanelBasis asOf={comparison?.asOf} model={picked.model} accountAsOf={margin?.asOf} testId="waterfall-basis" />
          )}
        </section>
      </div>
      <section className="panel">
        <h3>Scenario P&amp;L profile{profile === undefined ? '' : ` (${profile.underlyings.join(' + ')} together, ${profile.currency})`}</h3>
        <ErrorBox error={profileError} />
        {profile === undefined ? null : (
          <>
            <p>
              Worst grid point: price {signedPercent(profile.worst.priceMove)}, vol {signedPercent(profile.worst.volMove)}, P&amp;L{' '}
              <strong data-testid="worst-pnl">{money(profile.worst.pnl)}</strong>.
              {profile.modelWorst === undefined ? null : (
                <>
                  {' '}
                  The margin model's worst scenario: <em>{profile.modelWorst.label}</em> ({money(profile.modelWorst.pnl)}).
                </>
              )}
            </p>
            <div className="columns">
              <ProfileLines profile={profile} />
              <ProfileHeatMap profile={profile} />
            </div>
            <p data-testid="liquidation">
              Liquidation price:{' '}
              {profile.liquidation.price === undefined ? (
                <span className="muted">{profile.liquidation.reason ?? 'none'}</span>
              ) : (
                <strong>
                  {profile.liquidation.underlying} {money(profile.liquidation.price)} (now {money(profile.liquidation.index)},{' '}
                  {signedPercent(profile.liquidation.price / (profile.liquidation.index ?? profile.liquidation.price) - 1)})
                </strong>
              )}
            </p>
            <ReverseStressLine api={api} accountId={accountId} refresh={profile.asOf} />
            <PanelBasis asOf={profile.asOf} model={profile.model} accountAsOf={margin?.asOf} testId="profile-basis" />
            <p className="muted panel-basis">The worst grid point is a P&amp;L on this price × vol grid, not a margin: the cards' margins come from the model's own scenarios, floors and hysteresis.</p>
          </>
        )}
      </section>
      <div className="columns">
        <section className="panel">
          <h3>The same book under every model</h3>
          <PanelBasis asOf={comparison?.asOf} model={comparison === undefined ? undefined : `live ${comparison.liveModel}`} accountAsOf={margin?.asOf} testId="compare-basis" />
          <p className="muted panel-basis">Each model's own figures, without the live engine's floors and hysteresis: the live model's row can differ from the cards.</p>
          <table className="grid compact" data-testid="compare">
            <thead>
              <tr>
                <th>Model</th>
                <th className="num">Initial</th>
                <th className="num">Maintenance</th>
                <th>Exactness</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(comparison?.models ?? []).map((m) => (
                <tr
                  key={m.model}
                  className={`${m.model === comparison?.liveModel ? 'live-model' : ''} ${m.components === undefined ? '' : 'pickable'}`}
                  title={`${m.description}${m.components === undefined ? '' : ' — click to show its components'}`}
                  onClick={() => m.components !== undefined && setWaterfallModel(m.model === comparison?.liveModel ? undefined : m.model)}
                  data-model={m.model}
                >
                  <td>{m.model === (picked?.model ?? comparison?.liveModel) ? '▸ ' : ''}{m.model}</td>
                  {m.error === undefined ? (
                    <>
                      <td className="num">{money(m.initialMargin)}</td>
                      <td className="num">{money(m.maintenanceMargin)}</td>
                      <td className="muted" data-testid="fidelity-tag" title={m.fidelity.note}>{m.fidelity.tag}</td>
                      <td className="bar-cell">
                        <span className="bar" style={{ width: `${((m.initialMargin ?? 0) / largestIm) * 100}%` }} />
                      </td>
                    </>
                  ) : m.error.code === 'INSTRUMENT_NOT_LISTED' ? (
                    <td colSpan={4} className="muted" title={m.error.message} data-testid="not-listed">
                      not listed on this venue
                    </td>
                  ) : (
                    <td colSpan={4} className="muted" title={m.error.message}>
                      {m.error.code}: {m.error.message.slice(0, 90)}
                      {m.error.message.length > 90 ? '…' : ''}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {/* Every tag shown is explained (models/model-fidelity.ts; docs/models/<id>.md). */}
          {(comparison?.models ?? []).some((m) => m.error === undefined && m.fidelity.tag !== '') && (
            <p className="muted panel-basis" data-testid="fidelity-footnote">
              approx.: the venue rule applied to a book it does not exactly fit · reconstructed: the venue does not publish the whole method, the missing
              parts are rebuilt · placeholder: default parameters include values the venue does not publish. Hover a tag for the model's note.
            </p>
          )}
        </section>
        <WhatIfPanel
          api={api}
          accountId={accountId}
          current={margin}
          instruments={instruments}
          reduceOnly={
            unmarginable !== undefined
              ? { state: 'unmarginable', reason: unmarginable.reason }
              : margin?.status.reduceOnly === true
                ? { state: margin.state }
                : undefined
          }
        />
      </div>
    </div>
  );
}
