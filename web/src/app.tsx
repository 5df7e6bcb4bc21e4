import { useEffect, useMemo, useState } from 'react';
import { Api, storeKey, takeKey, type CurrentMarket, type Health } from './api.js';
import { money, utcAsOf } from './format.js';
import { AccountPage } from './pages/account-page.js';
import { ClusterPage } from './pages/cluster-page.js';
import { LabPage } from './pages/lab-page.js';
import { OverviewPage } from './pages/overview-page.js';

type Route = { page: 'overview' } | { page: 'account'; id: string } | { page: 'lab' };

/** Hash routes (#/, #/account/<id>, #/lab): the service serves one page and needs no fallback routes. */
function parseRoute(hash: string): Route {
  const account = /^#\/account\/(.+)$/.exec(hash);
  if (account?.[1] !== undefined) return { page: 'account', id: decodeURIComponent(account[1]) };
  if (hash.startsWith('#/lab')) return { page: 'lab' };
  return { page: 'overview' };
}

function useRoute(): [Route, (hash: string) => void] {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const listener = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', listener);
    return () => window.removeEventListener('hashchange', listener);
  }, []);
  return [route, (hash) => (window.location.hash = hash)];
}

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim() !== '') onKey(value.trim());
      }}
    >
      <h2>crossmargin risk dashboard</h2>
      <p>Paste an API key (admin or risk officer; an account holder sees its own accounts). `crossmargin serve --demo` prints one.</p>
      <input type="password" value={value} onChange={(e) => setValue(e.target.value)} placeholder="cmk_…" aria-label="API key" autoFocus />
      <button type="submit" className="primary">
        Open
      </button>
    </form>
  );
}

function MarketStrip({ api }: { api: Api }) {
  const [market, setMarket] = useState<CurrentMarket | undefined>();
  useEffect(() => {
    let alive = true;
    const load = () => api.market().then((m) => alive && setMarket(m), () => undefined);
    load();
    // A replay moves the market several days a second: polling every 2 s left this clock up to ten market days
    // behind the account pages (which follow the stream). 500 ms keeps it within a few days at 5 days/s.
    const timer = window.setInterval(load, 500);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [api]);
  if (market === undefined) return <span className="muted">no market yet</span>;
  return (
    <span className="market" data-testid="market">
      <span className="muted">Market as of</span> <span data-testid="market-as-of">{utcAsOf(market.asOf)}</span> ·{' '}
      {market.underlyings.map((u) => (
        <span key={u.name} className="tick">
          {u.name} {money(u.index)}
        </span>
      ))}
    </span>
  );
}

/** The gateway has no `/market` to read: its clock is the latest market's asOf from `/healthz`. */
function ClusterMarketStrip({ api }: { api: Api }) {
  const [health, setHealth] = useState<Health | undefined>();
  useEffect(() => {
    let alive = true;
    const load = () => api.health().then((h) => alive && setHealth(h), () => undefined);
    load();
    const timer = window.setInterval(load, 2_000);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [api]);
  if (health?.marketAsOf === undefined) return <span className="muted market">no market yet</span>;
  return (
    <span className="market" data-testid="market">
      <span className="muted">Market as of</span> <span data-testid="market-as-of">{utcAsOf(health.marketAsOf)}</span>
    </span>
  );
}

/**
 * Which service the page talks to: a cluster gateway says `mode: 'cluster'` on `/healthz` and has none of the
 * single-process routes the other pages read. Undefined until it answers; a failed probe means single-process, as
 * before this check existed.
 */
function useMode(api: Api | undefined): 'single' | 'cluster' | undefined {
  const [mode, setMode] = useState<'single' | 'cluster' | undefined>();
  useEffect(() => {
    if (api === undefined) return;
    let alive = true;
    api.health().then(
      (h) => alive && setMode('mode' in h && h.mode === 'cluster' ? 'cluster' : 'single'),
      () => alive && setMode('single'),
    );
    return () => {
      alive = false;
    };
  }, [api]);
  return mode;
}

export function App() {
  const [key, setKey] = useState<string | undefined>(() => takeKey());
  const [route, go] = useRoute();
  const api = useMemo(() => (key === undefined ? undefined : new Api(key)), [key]);
  const mode = useMode(api);
  if (api === undefined) {
    return (
      <KeyForm
        onKey={(k) => {
          storeKey(k);
          setKey(k);
        }}
      />
    );
  }
  return (
    <div className="app">
      <header>
        <strong className="brand">crossmargin</strong>
        {mode === 'cluster' ? (
          <nav>
            <a href="#/" className="active">
              Cluster
            </a>
          </nav>
        ) : mode === 'single' ? (
          <nav>
            <a href="#/" className={route.page === 'overview' ? 'active' : undefined}>
              Overview
            </a>
            <a href="#/lab" className={route.page === 'lab' ? 'active' : undefined}>
              Model lab
            </a>
          </nav>
        ) : null}
        {mode === 'cluster' ? <ClusterMarketStrip api={api} /> : mode === 'single' ? <MarketStrip api={api} /> : null}
        <button
          type="button"
          className="link"
          onClick={() => {
            storeKey(undefined);
            setKey(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {mode === undefined ? <p className="muted">Connecting…</p> : null}
        {mode === 'cluster' ? <ClusterPage api={api} /> : null}
        {mode === 'single' && route.page === 'overview' ? <OverviewPage api={api} open={(id) => go(`#/account/${encodeURIComponent(id)}`)} /> : null}
        {mode === 'single' && route.page === 'account' ? <AccountPage key={route.id} api={api} accountId={route.id} /> : null}
        {mode === 'single' && route.page === 'lab' ? <LabPage api={api} /> : null}
      </main>
    </div>
  );
}
