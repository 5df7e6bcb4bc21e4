import { useState } from 'react';
import { ApiError, type Api, type LiveMargin, type WhatIfResult } from '../api.js';
import { money, STATE_COLOURS, utcAsOf } from '../format.js';
import { ErrorBox } from './error-box.js';
import { StateBadge } from './state-badge.js';

interface TradeRow {
  instrument: string;
  quantity: string;
}

/** The account accepts only orders that reduce a position: in margin call, liquidation, or unmarginable (with why). */
export interface ReduceOnly {
  state: string;
  reason?: string;
}

/** What GET …/max-order answered, as shown under the buttons. */
interface Limit {
  text: string;
  /** The service limited the order to reducing a position (its reason starts `reduce-only`). */
  reduceOnly: boolean;
}

/**
 * Hypothetical trades: margins and equity before and after, nothing committed (POST /accounts/:id/what-if). Now,
 * After and Change all come from that one answer, computed on one market (its asOf): a "now" read on another tick
 * would show changes the trades did not make.
 */
export function WhatIfPanel({
  api,
  accountId,
  current,
  instruments,
  reduceOnly,
}: {
  api: Api;
  accountId: string;
  /** The account's margin as the cards show it: its asOf tells whether the what-if ran on a newer market. */
  current: LiveMargin | undefined;
  instruments: string[];
  reduceOnly?: ReduceOnly | undefined;
}) {
  const [rows, setRows] = useState<TradeRow[]>([{ instrument: instruments[0] ?? '', quantity: '1' }]);
  const [result, setResult] = useState<WhatIfResult | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [limit, setLimit] = useState<Limit | undefined>();

  /** The largest order in the first row's instrument that keeps equity ≥ initial margin (GET …/max-order). */
  const fillMax = async (side: 'buy' | 'sell'): Promise<void> => {
    const instrument = rows[0]?.instrument.trim() ?? '';
    setError(undefined);
    // The quantity changes: the shown result no longer answers the rows.
    setResult(undefined);
    if (instrument === '') {
      setError(new ApiError(0, 'SCHEMA_INVALID', 'trade 1: name an instrument first', 'trades.0.instrument'));
      return;
    }
    try {
      const max = await api.maxOrder(accountId, instrument, side);
      const quantity = side === 'buy' ? max.quantity : -max.quantity;
      setLimit({
        text: max.unbounded ? `${side}: no limit found (${max.reason})` : `largest ${side}: ${max.quantity.toLocaleString('en-US')} (${max.reason})`,
        reduceOnly: max.reason.startsWith('reduce-only'),
      });
      // Nothing to fill in when no order of that side is allowed (a reduce-only account with nothing to reduce).
      if (!max.unbounded && max.quantity !== 0) update(0, { quantity: String(quantity) });
    } catch (e) {
      setError(e);
    }
  };

  const update = (i: number, patch: Partial<TradeRow>): void => setRows((old) => old.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const run = async (): Promise<void> => {
    setError(undefined);
    setResult(undefined);
    const trades = rows.map((r) => ({ instrument: r.instrument.trim(), quantity: Number(r.quantity) }));
    // Checked here for a message at the right row; the API checks again (and names the field) whatever we send.
    const bad = trades.findIndex((t) => t.instrument === '' || !Number.isFinite(t.quantity) || t.quantity === 0);
    if (bad >= 0) {
      setResult(undefined);
      setError(new ApiError(0, 'SCHEMA_INVALID', `trade ${bad + 1}: name an instrument and a non-zero quantity`, `trades.${bad}`));
      return;
    }
    setBusy(true);
    try {
      setResult(await api.whatIf(accountId, trades));
    } catch (e) {
      setResult(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const line = (label: string, field: 'initialMargin' | 'maintenanceMargin' | 'equity' | 'excess', r: WhatIfResult) => (
    <tr data-field={field}>
      <th>{label}</th>
      <td className="num" data-testid={`whatif-before-${field}`}>{money(r.before[field])}</td>
      <td className="num" data-testid={`whatif-${field}`}>{money(r.after[field])}</td>
      <td className="num" data-testid={`whatif-change-${field}`}>{`${r.change[field] >= 0 ? '+' : ''}${money(r.change[field])}`}</td>
    </tr>
  );

  return (
    <section className="panel" data-testid="what-if">
      <h3>What if</h3>
      {reduceOnly === undefined ? null : (
        <p className={`reduce-only reduce-only-${reduceOnly.state}`} data-testid="reduce-only" style={{ borderColor: STATE_COLOURS[reduceOnly.state] ?? '#555' }}>
          <strong>Reduce-only ({reduceOnly.state}):</strong> only orders that reduce a position are accepted; Max buy / Max sell go at most to closing it.
          {reduceOnly.reason === undefined ? null : <span className="muted"> {reduceOnly.reason}</span>}
        </p>
      )}
      <datalist id="instrument-names">
        {instruments.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {rows.map((r, i) => (
        <div className="trade-row" key={i}>
          <input list="instrument-names" value={r.instrument} onChange={(e) => update(i, { instrument: e.target.value })} placeholder="instrument, e.g. BTC-PERPETUAL" aria-label={`instrument ${i + 1}`} />
          <input value={r.quantity} onChange={(e) => update(i, { quantity: e.target.value })} aria-label={`quantity ${i + 1}`} className="qty" />
          <button type="button" onClick={() => setRows((old) => old.filter((_, j) => j !== i))} disabled={rows.length === 1} aria-label={`remove trade ${i + 1}`}>
            ×
          </button>
        </div>
      ))}
      <div className="buttons">
        <button type="button" onClick={() => setRows((old) => [...old, { instrument: '', quantity: '1' }])}>
          Add trade
        </button>
        <button type="button" onClick={() => void fillMax('buy')} title="largest buy of the first instrument that keeps equity ≥ initial margin">
          Max buy
        </button>
        <button type="button" onClick={() => void fillMax('sell')} title="largest sell of the first instrument that keeps equity ≥ initial margin">
          Max sell
        </button>
        <button type="button" className="primary" onClick={() => void run()} disabled={busy}>
          {busy ? 'Computing…' : 'Run what-if'}
        </button>
      </div>
      {limit === undefined ? null : (
        <p className={limit.reduceOnly ? 'muted max-order-reduce-only' : 'muted'} data-testid="max-order">
          {limit.reduceOnly ? <span className="badge badge-reduce-only">reduce-only</span> : null}
          {limit.text}
        </p>
      )}
      <ErrorBox error={error} />
      {result === undefined ? (
        <p className="muted">Buy positive, sell negative, in contracts. Nothing is traded: the margins are computed as if.</p>
      ) : (
        <>
          <table className="grid compact" data-testid="what-if-result">
            <thead>
              <tr>
                <th />
                <th className="num">Now</th>
                <th className="num">After</th>
                <th className="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {line('Initial margin', 'initialMargin', result)}
              {line('Maintenance margin', 'maintenanceMargin', result)}
              {line('Equity', 'equity', result)}
              {line('Excess', 'excess', result)}
              <tr>
                <th>State</th>
                <td className="num">
                  <StateBadge state={result.change.state.before} />
                </td>
                <td className="num">
                  <StateBadge state={result.change.state.after} />
                </td>
                <td />
              </tr>
            </tbody>
          </table>
          <p className="muted panel-basis" data-testid="what-if-as-of">
            {result.currency}, all three columns on the market as of {utcAsOf(result.asOf)}
            {result.result === undefined ? '' : `, model ${result.result.model}`}
            {current !== undefined && current.asOf !== result.asOf ? ` (the cards above are as of ${utcAsOf(current.asOf)})` : ''}
          </p>
        </>
      )}
    </section>
  );
}
