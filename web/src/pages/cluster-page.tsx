import { useEffect, useMemo, useRef, useState } from 'react';
import type { Api, ClusterMargin, ClusterStatus } from '../api.js';
import { EChart, type EChartOption } from '../charts/echart.js';
import { ErrorBox } from '../components/error-box.js';
import { StateBadge } from '../components/state-badge.js';
import { money, utcAsOf } from '../format.js';
import { useStream } from '../use-stream.js';

/** Distinct worker colours, given out in the order workers are first seen so a survivor keeps its colour. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#d62728', '#7f7f7f'];
const FREE = '#c5cbd3';
const REFRESH_MS = 1_000;
const EVENTS_KEPT = 50;

interface EventRow {
  n: number;
  at: number | undefined;
  partition: number;
  type: string;
  accountId: string | undefined;
}

/** Calls `load` now and REFRESH_MS after each answer (never two in flight, however slow the gateway). */
function usePoll(load: () => Promise<void>): void {
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const tick = () => void load().finally(() => alive && (timer = window.setTimeout(tick, REFRESH_MS)));
    tick();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [load]);
}

const clock = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString().slice(11, 19));

/** The partitioned service (`serve --nats`): who owns which partition, the workers, the accounts' margins, the events. */
/** The tooltip of a held margin: each reason in words. */
const STALE_TITLES = (m: ClusterMargin): string =>
  m.staleReasons
    .map((r) =>
      r === 'no-owner'
        ? "no live worker owns this account's partition (failover under way)"
        : r === 'behind-market'
          ? 'a newer market is published; its owner has not re-margined this account yet'
          : `stale price: ${(m.staleUnderlyings ?? []).join(', ')}`,
    )
    .join('; ');

export function ClusterPage({ api }: { api: Api }) {
  const [status, setStatus] = useState<ClusterStatus | undefined>();
  const [statusError, setStatusError] = useState<unknown>();
  const [margins, setMargins] = useState<ClusterMargin[]>([]);
  const [marginsError, setMarginsError] = useState<unknown>();
  const [events, setEvents] = useState<EventRow[]>([]);
  const [now, setNow] = useState(() => Date.now());
  const colours = useRef(new Map<string, string>());
  const counter = useRef(0);

  const loadStatus = useMemo(
    () => () =>
      api.cluster().then(
        (s) => (setStatus(s), setStatusError(undefined), setNow(Date.now())),
        (e: unknown) => setStatusError(e),
      ),
    [api],
  );
  const loadMargins = useMemo(
    () => () =>
      api.clusterMargins().then(
        (m) => (setMargins(m), setMarginsError(undefined)),
        (e: unknown) => setMarginsError(e),
      ),
    [api],
  );
  usePoll(loadStatus);
  usePoll(loadMargins);
  const stream = useStream(api.key, {
    onEvent: (e, partition) => {
    const row: EventRow = {
      n: counter.current++,
      at: typeof e.at === 'number' ? e.at : undefined,
      partition: typeof partition === 'number' ? partition : -1,
      // A transition names the state entered: the one thing in it worth a glance.
      type: e.type === 'state-transition' && typeof e.to === 'string' ? `state-transition → ${e.to}` : String(e.type),
      accountId: typeof e.accountId === 'string' ? e.accountId : undefined,
    };
    setEvents((old) => [row, ...old].slice(0, EVENTS_KEPT));
    },
  });

  const colourOf = (owner: string): string => {
    if (owner === '') return FREE;
    let c = colours.current.get(owner);
    if (c === undefined) colours.current.set(owner, (c = PALETTE[colours.current.size % PALETTE.length]!));
    return c;
  };
  // Workers on the legend and the chart: those with a live heartbeat and any still holding a lease.
  const workers = useMemo(() => [...new Set([...(status?.workers ?? []), ...(status?.partitions ?? []).map((p) => p.owner).filter((o) => o !== '')])].sort(), [status]);
  const owned = (w: string) => (status?.partitions ?? []).filter((p) => p.owner === w).length;
  const chart = useMemo<EChartOption>(
    () => ({
      grid: { left: 60, right: 20, top: 30, bottom: 50 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', name: 'worker', nameLocation: 'middle', nameGap: 30, data: workers },
      yAxis: { type: 'value', name: 'partitions', minInterval: 1, max: status?.partitions.length },
      series: [
        {
          type: 'bar',
          name: 'partitions owned',
          data: workers.map((w) => ({ value: owned(w), itemStyle: { color: colourOf(w) } })),
          label: { show: true, position: 'top', formatter: '{c} partitions' },
        },
      ],
    }),
    [workers, status],
  );
  const sorted = useMemo(() => [...margins].sort((a, b) => a.excess - b.excess || a.accountId.localeCompare(b.accountId)), [margins]);

  return (
    <div className="cluster" data-testid="cluster-page">
      <div className="toolbar">
        <h2 className="cluster-title">Cluster</h2>
        <span className="muted" data-testid="cluster-summary">
          {status === undefined ? 'loading…' : `${status.partitions.length} partitions · ${status.workers.length} live worker${status.workers.length === 1 ? '' : 's'} · market as of ${utcAsOf(status.marketAsOf)}`}
        </span>
        <span className={`stream stream-${stream}`} data-testid="stream-status">
          {stream}
        </span>
      </div>
      <div className="columns">
        <section className="panel" aria-labelledby="partitions-title">
          <h3 id="partitions-title">Partitions</h3>
          <ErrorBox error={statusError} />
          <ul className="legend" data-testid="worker-legend" aria-label="worker colours">
            {workers.map((w) => (
              <li key={w} data-worker={w}>
                <span className="swatch" style={{ background: colourOf(w) }} />
                {w} ({owned(w)}){status?.workers.includes(w) === false ? <span className="muted"> no heartbeat</span> : null}
              </li>
            ))}
            <li>
              <span className="swatch" style={{ background: FREE }} />
              free
            </li>
          </ul>
          <div className="partition-grid" data-testid="partition-grid">
            {(status?.partitions ?? []).map((p) => {
              const left = Math.max(0, (p.expiresAt - now) / 1_000);
              const label = p.owner === '' ? `partition ${p.partition}: free, applied log position ${p.appliedSeq}` : `partition ${p.partition}: owned by ${p.owner}, applied log position ${p.appliedSeq}, lease ${left.toFixed(1)} s left`;
              return (
                <div
                  key={p.partition}
                  className={p.owner === '' ? 'partition-cell free' : 'partition-cell'}
                  style={{ background: colourOf(p.owner) }}
                  data-testid="partition-cell"
                  data-partition={p.partition}
                  data-owner={p.owner}
                  role="img"
                  aria-label={label}
                  title={label}
                >
                  <span className="partition-number">#{p.partition}</span>
                  <span className="partition-owner">{p.owner === '' ? 'free' : p.owner}</span>
                  <span>seq {p.appliedSeq}</span>
                  <span>{p.owner === '' ? '—' : `lease ${left.toFixed(1)} s`}</span>
                </div>
              );
            })}
          </div>
          <p className="muted panel-basis">Lease time left is read against this browser's clock.</p>
        </section>
        <section className="panel" aria-labelledby="workers-title">
          <h3 id="workers-title">Partitions per live worker</h3>
          <EChart option={chart} height={260} testId="workers-chart" />
        </section>
      </div>
      <div className="overview-body cluster-body">
        <section className="panel table-scroll" aria-labelledby="margins-title">
          <h3 id="margins-title">Accounts, worst excess first</h3>
          <p className="muted panel-basis">
            Amounts in each account's currency (shown with each figure); excess = equity − initial margin. "held" marks figures that may be out of
            date (the last ones published, never lowered): no live owner, a newer market not yet applied, or a stale price.
          </p>
          <ErrorBox error={marginsError} />
          <table className="grid" data-testid="cluster-margins" aria-labelledby="margins-title">
            <thead>
              <tr>
                <th>Account</th>
                <th className="num">Partition</th>
                <th>State</th>
                <th className="num" title="in the account's currency">Initial margin</th>
                <th className="num" title="in the account's currency">Equity</th>
                <th className="num" title="in the account's currency">Excess</th>
                <th>As of (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((m) => (
                <tr key={m.accountId} data-account={m.accountId} className={m.state === "unmarginable" ? "unmarginable" : m.stale ? "stale" : undefined}>
                  <td>{m.accountId}</td>
                  <td className="num" data-field="partition">{m.partition}</td>
                  <td data-field="state">
                    <StateBadge state={m.state} />
                    {m.stale ? (
                      <span className="stale-tag" data-field="stale" title={STALE_TITLES(m)}>
                        {' '}
                        held: {m.staleReasons.join(', ')}
                      </span>
                    ) : null}
                  </td>
                  <td className="num" data-field="initialMargin">{money(m.initialMargin)} {m.currency}</td>
                  <td className="num" data-field="equity">{money(m.equity)} {m.currency}</td>
                  <td className="num" data-field="excess">{money(m.excess)} {m.currency}</td>
                  <td className="muted">{utcAsOf(m.asOf)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {margins.length === 0 ? <p className="muted">No margins published yet.</p> : null}
        </section>
        <aside className="events" aria-labelledby="events-title">
          <h3 id="events-title">Events (latest {EVENTS_KEPT})</h3>
          <table className="grid compact" data-testid="cluster-events">
            <thead>
              <tr>
                <th>Time (UTC)</th>
                <th className="num">Partition</th>
                <th>Type</th>
                <th>Account</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.n} data-account={e.accountId}>
                  <td>{clock(e.at)}</td>
                  <td className="num">{e.partition}</td>
                  <td>{e.type}</td>
                  <td>{e.accountId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {events.length === 0 ? <p className="muted">No events since the page opened.</p> : null}
        </aside>
      </div>
    </div>
  );
}
