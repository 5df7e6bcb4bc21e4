import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Api, MarginSummary } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { StateBadge } from '../components/state-badge.js';
import { money, percent } from '../format.js';
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
/** Worst first when sorting by state. */
const STATE_RANK: Record<string, number> = { liquidation: 0, 'margin-call': 1, healthy: 2 };

interface EventLine {
  seq: number;
  text: string;
}

function compare(a: MarginSummary, b: MarginSummary, key: SortKey): number {
  if (key === 'accountId') return a.accountId.localeCompare(b.accountId);
  if (key === 'state') return (STATE_RANK[a.state ?? ''] ?? 3) - (STATE_RANK[b.state ?? ''] ?? 3);
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
    const who = typeof e.accountId === 'string' ? e.accountId : String(e.underlying ?? '');
    const what = e.type === 'state-transition' ? `${String(e.from ?? 'new')} → ${String(e.to)}` : String(e.type);
    setEvents((old) => [{ seq: Number(e.seq), text: `${String(e.asOf ?? '').slice(0, 10)} ${who}: ${what}` }, ...old].slice(0, 30));
  }, []);
  const status = useStream(api.key, { onMargins, onEvent });

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const list = [...rows.values()].filter((r) => (stateFilter === 'all' || r.state === stateFilter) && (needle === '' || r.accountId.toLowerCase().includes(needle)));
    list.sort((a, b) => (sort.descending ? -1 : 1) * compare(a, b, sort.key) || a.accountId.localeCompare(b.accountId));
    return list;
  }, [rows, search, stateFilter, sort]);

  const counts = useMemo(() => {
    const c: Record<string, number> = { healthy: 0, 'margin-call': 0, liquidation: 0 };
    for (const r of rows.values()) if (r.state !== undefined) c[r.state] = (c[r.state] ?? 0) + 1;
    return c;
  }, [rows]);

  return (
    <div className="overview">
      <div className="toolbar">
        <input placeholder="Search accounts" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="search accounts" />
        <select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)} aria-label="filter by state">
          <option value="all">all states ({rows.size})</option>
          <option value="healthy">healthy ({counts.healthy})</option>
          <option value="margin-call">margin call ({counts['margin-call']})</option>
          <option value="liquidation">liquidation ({counts.liquidation})</option>
        </select>
        <span className={`stream stream-${status}`} data-testid="stream-status">
          {status === 'live' ? `live · ${updates} updates` : status}
        </span>
      </div>
      <ErrorBox error={error} />
      <div className="overview-body">
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
              <tr key={r.accountId} data-account={r.accountId} className={r.stale === true ? 'stale' : undefined}>
                <td>
                  <a href={`#/account/${encodeURIComponent(r.accountId)}`} onClick={(e) => (e.preventDefault(), open(r.accountId))}>
                    {r.accountId}
                  </a>
                </td>
                <td>
                  <StateBadge state={r.state} />
                  {r.stale === true ? <span className="badge badge-stale">stale</span> : null}
                </td>
                <td className="num" data-field="equity">{money(r.equity)}</td>
                <td className="num" data-field="initialMargin">{money(r.initialMargin)}</td>
                <td className="num" data-field="maintenanceMargin">{money(r.maintenanceMargin)}</td>
                <td className="num" data-field="utilisation">
                  <span className="meter">
                    <span style={{ width: `${Math.min(100, (r.utilisation ?? 1) * 100)}%`, background: (r.utilisation ?? 1) >= 1 ? '#c62828' : (r.utilisation ?? 0) > 0.8 ? '#ef6c00' : '#2e7d32' }} />
                  </span>
                  {percent(r.utilisation)}
                </td>
                <td className="num" data-field="marginRatio">{percent(r.marginRatio)}</td>
                <td className="num" data-field="excess">{money(r.excess)}</td>
                <td className="muted">{r.error ?? r.asOf?.slice(0, 16).replace('T', ' ')}</td>
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
        <aside className="events">
          <h3>Events</h3>
          {events.length === 0 ? <p className="muted">No events yet.</p> : null}
          <ul>
            {events.map((e) => (
              <li key={e.seq}>{e.text}</li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  );
}
