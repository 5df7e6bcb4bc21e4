import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Api, MarginSummary } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { StateBadge } from '../components/state-badge.js';
import { money, percent, STATE_COLOURS, STATE_LABELS, STATES } from '../format.js';
import { useStream } from '../use-stream.js';

type SortKey = 'accountId' | 'state' | 'equity' | 'initialMargin' | 'maintenanceMargin' | 'utilisation' | 'marginRatio' | 'excess';
const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: 'accountId', label: 'Account', numeric: false },
  { key: 'state', label: 'State', numeric: false },
  { key: 'equity', label: 'Equity', numeric: true },
  { key: 'initialMargin', label: 'Initial margin', numeric: true },
  { key: 'maintenanceMargin', label: 'Maintenance margin', numeric: true },
  { key: 'utilisation', label: 'Utilisation', numeric: true },
  { key: 'marginRatio', label: 'Margin ratio', numeric: true },
  { key: 'excess', label: 'Excess', numeric: true },
];
/** Rows drawn at once: a venue's 10,000 accounts stay responsive; search, filter and sort reach the rest. */
const PAGE_ROWS = 200;
/** Worst first when sorting by state: an account the engine cannot margin at all comes before a liquidation. */
const STATE_RANK: Record<string, number> = Object.fromEntries(STATES.map((s, i) => [s, i]));

interface EventLine {
  key: string;
  text: string;
  /** The state a state-transition went to (the line is coloured by it). */
  to?: string;
  /** Why the account became unmarginable. */
  reason?: string;
}

/**
 * One line of the event list from a stream `event`. Reads only what every event has: a state-transition to
 * `unmarginable` may lack the figures (an account never margined), and none are needed here.
 */
function eventLine(e: Record<string, unknown>): EventLine {
  const who = typeof e.accountId === 'string' ? e.accountId : String(e.underlying ?? '');
  const transition = e.type === 'state-transition';
  const what = transition ? `${String(e.from ?? 'new')} → ${String(e.to)}` : liquidationText(e) ?? String(e.type);
  return {
    // The liquidation driver's events carry no engine sequence number: keyed by plan and slice instead.
    key: e.seq === undefined ? `${String(e.type)}:${String(e.planId)}:${String(e.slice ?? '')}` : String(e.seq),
    text: `${String(e.asOf ?? '').slice(0, 10)} ${who}: ${what}`,
    ...(transition && typeof e.to === 'string' ? { to: e.to } : {}),
    ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
  };
}

/** The liquidation driver's events in a few words (docs/service.md "Liquidation"); undefined for other events. */
function liquidationText(e: Record<string, unknown>): string | undefined {
  if (e.type === 'liquidation-plan') return `liquidation plan, ${String(e.slices)} slices (${String(e.rule)} rule)`;
  if (e.type === 'liquidation-slice') return `liquidation slice ${Number(e.slice) + 1}/${String(e.of)}: ${String(e.instrument)} ${String(e.quantity)} @ ${money(Number(e.price))}`;
  if (e.type === 'liquidation-complete') {
    const outcome = (e.outcome ?? {}) as { result?: unknown; badDebt?: unknown };
    return `liquidation complete (${String(outcome.result)}${typeof outcome.badDebt === 'number' && outcome.badDebt > 0 ? `, bad debt ${money(outcome.badDebt)}` : ''})`;
  }
  return undefined;
}

function compare(a: MarginSummary, b: MarginSummary, key: SortKey): number {
  if (key === 'accountId') return a.accountId.localeCompare(b.accountId);
  if (key === 'state') return (STATE_RANK[a.state ?? ''] ?? STATES.length) - (STATE_RANK[b.state ?? ''] ?? STATES.length);
  const x = a[key] ?? Number.NEGATIVE_INFINITY;
  const y = b[key] ?? Number.NEGATIVE_INFINITY;
  return x - y;
}

/** Every account with equity, margins, utilisation and state, updated live over the WebSocket. */
export function OverviewPage({ api, open }: { api: Api; open: (accountId: string) => void }) {
  const [rows, setRows] = useState<Map<string, MarginSummary>>(new Map());
  const [error, setError] = useState<unknown>();
  const [search, setSearch] = useState('');
  const [stateFilter, setStateFilter] = useState('all');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'state', descending: false });
  const [events, setEvents] = useState<EventLine[]>([]);
  const [updates, setUpdates] = useState(0);
  const [limit, setLimit] = useState(PAGE_ROWS);

  useEffect(() => {
    api
      .margins()
      .then((list) => setRows(new Map(list.map((r) => [r.accountId, r]))))
      .catch(setError);
  }, [api]);

  const onMargins = useCallback((fresh: MarginSummary[]) => {
    setRows((old) => {
      const next = new Map(old);
      for (const r of fresh) next.set(r.accountId, r);
      return next;
    });
    setUpdates((n) => n + 1);
  }, []);
  const onEvent = useCallback((e: Record<string, unknown>) => {
    if (e.type === 'stale') return;
    setEvents((old) => [eventLine(e), ...old].slice(0, 30));
  }, []);
  const status = useStream(api.key, { onMargins, onEvent });

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const list = [...rows.values()].filter((r) => (stateFilter === 'all' || r.state === stateFilter) && (needle === '' || r.accountId.toLowerCase().includes(needle)));
    list.sort((a, b) => (sort.descending ? -1 : 1) * compare(a, b, sort.key) || a.accountId.localeCompare(b.accountId));
    return list;
  }, [rows, search, stateFilter, sort]);

  const counts = useMemo(() => {
    const c: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const r of rows.values()) if (r.state !== undefined) c[r.state] = (c[r.state] ?? 0) + 1;
    return c;
  }, [rows]);

  return (
    <div className="overview">
      <div className="toolbar">
        <input placeholder="Search accounts" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="search accounts" />
        <select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)} aria-label="filter by state">
          <option value="all">all states ({rows.size})</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_LABELS[s]} ({counts[s] ?? 0})
            </option>
          ))}
        </select>
        {(counts.unmarginable ?? 0) > 0 ? (
          <button
            type="button"
            className="chip-unmarginable"
            data-testid="unmarginable-count"
            title="accounts the engine cannot margin on the current market: margin held at the last good figure, reduce-only"
            onClick={() => setStateFilter('unmarginable')}
          >
            {counts.unmarginable} unmarginable
          </button>
        ) : null}
        <span className={`stream stream-${status}`} data-testid="stream-status">
          {status === 'live' ? `live · ${updates} updates` : status}
        </span>
      </div>
      <ErrorBox error={error} />
      <div className="overview-body">
        <div className="table-scroll">
          <table className="grid" data-testid="overview-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    className={c.numeric ? 'num sortable' : 'sortable'}
                    onClick={() => setSort((s) => ({ key: c.key, descending: s.key === c.key ? !s.descending : c.numeric }))}
                  >
                    {c.label}
                    {sort.key === c.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                  </th>
                ))}
                <th>As of</th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, limit).map((r) => (
                <tr key={r.accountId} data-account={r.accountId} className={[r.stale === true ? 'stale' : '', r.state === 'unmarginable' ? 'unmarginable' : ''].join(' ').trim() || undefined}>
                  <td>
                    <a href={`#/account/${encodeURIComponent(r.accountId)}`} onClick={(e) => (e.preventDefault(), open(r.accountId))}>
                      {r.accountId}
                    </a>
                  </td>
                  <td>
                    <StateBadge state={r.state} title={r.reason} />
                    {r.stale === true ? <span className="badge badge-stale">stale</span> : null}
                    {r.state === 'unmarginable' ? (
                      <span className="state-reason" data-field="reason" title={r.reason ?? r.error}>
                        {r.reason ?? r.error ?? 'cannot be margined'}
                      </span>
                    ) : null}
                  </td>
                  <td className="num" data-field="equity">{money(r.equity)}</td>
                  <td className="num" data-field="initialMargin">{money(r.initialMargin)}</td>
                  <td className="num" data-field="maintenanceMargin">{money(r.maintenanceMargin)}</td>
                  <td className="num" data-field="utilisation">
                    {r.equity === undefined ? null : (
                      <span className="meter">
                        <span
                          style={{
                            width: `${Math.min(100, (r.utilisation ?? 1) * 100)}%`,
                            background: r.state === 'unmarginable' ? STATE_COLOURS.unmarginable : (r.utilisation ?? 1) >= 1 ? '#c62828' : (r.utilisation ?? 0) > 0.8 ? '#ef6c00' : '#2e7d32',
                          }}
                        />
                      </span>
                    )}
                    {percent(r.utilisation)}
                  </td>
                  <td className="num" data-field="marginRatio">{percent(r.marginRatio)}</td>
                  <td className="num" data-field="excess">{money(r.excess)}</td>
                  <td className="muted" title={r.state === 'unmarginable' && r.asOf !== undefined ? 'figures held from the last good market' : undefined}>
                    {r.error ?? `${r.state === 'unmarginable' && r.asOf !== undefined ? 'held · ' : ''}${r.asOf?.slice(0, 16).replace('T', ' ') ?? ''}`}
                  </td>
                </tr>
              ))}
            </tbody>
            {shown.length > limit ? (
              <tfoot>
                <tr>
                  <td colSpan={COLUMNS.length + 1} className="muted">
                    Showing {limit} of {shown.length} accounts (sorted as above; search or filter to narrow).{' '}
                    <button type="button" onClick={() => setLimit((n) => n + PAGE_ROWS)}>
                      Show {Math.min(PAGE_ROWS, shown.length - limit)} more
                    </button>
                  </td>
                </tr>
              </tfoot>
            ) : null}
          </table>
        </div>
        <aside className="events">
          <h3>Events</h3>
          {events.length === 0 ? <p className="muted">No events yet.</p> : null}
          <ul>
            {events.map((e) => (
              <li key={e.key} className={e.to === undefined ? undefined : `event-${e.to}`} data-state={e.to} style={e.to === 'unmarginable' ? { color: STATE_COLOURS.unmarginable } : undefined}>
                {e.text}
                {e.reason === undefined ? null : <span className="event-reason">: {e.reason}</span>}
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  );
}
