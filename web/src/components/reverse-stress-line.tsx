import { useEffect, useState } from 'react';
import type { Api, ReverseStress } from '../api.js';
import { signedPercent } from '../format.js';

function moves(m: Readonly<Record<string, number>>): string {
  return Object.entries(m)
    .filter(([, v]) => v !== 0)
    .map(([u, v]) => `${u} ${signedPercent(v)}`)
    .join(', ');
}

/**
 * How far the market must move to wipe out the account's equity (docs/stress-testing.md "Reverse stress"): along the
 * book's adverse direction, and the most likely such move under the covariance of 10-day returns.
 */
export function ReverseStressLine({ api, accountId, refresh }: { api: Api; accountId: string; refresh: string | undefined }) {
  const [data, setData] = useState<ReverseStress | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  useEffect(() => {
    api.reverseStress(accountId).then(
      (r) => {
        setData(r);
        setFailed(undefined);
      },
      (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)),
    );
  }, [api, accountId, refresh]);
  if (failed !== undefined) return <p className="muted">Reverse stress: {failed}</p>;
  if (data === undefined) return <p className="muted">Reverse stress: computing…</p>;
  const d = data.directional;
  const likely = data.mostLikely;
  // Nothing to search for: no move is needed to exhaust equity that is already gone.
  if (data.equity <= 0) {
    return (
      <p data-testid="reverse-stress">
        Equity ({data.currency} {data.equity.toLocaleString('en-US', { maximumFractionDigits: 2 })}) is already exhausted: no market move is needed.
      </p>
    );
  }
  return (
    <p data-testid="reverse-stress">
      Equity ({data.currency} {data.equity.toLocaleString('en-US', { maximumFractionDigits: 2 })}) is exhausted by{' '}
      {d.reachable ? <strong>{moves(d.moves)}</strong> : <em>no move along the book's adverse direction</em>}
      {likely === undefined ? (
        data.mostLikelyError === undefined ? null : <span className="muted"> (most likely move: {data.mostLikelyError.message})</span>
      ) : likely.reachable ? (
        <>
          ; the most likely such move is <strong>{moves(likely.moves)}</strong>
          {likely.mahalanobis === undefined ? '' : `, ${likely.mahalanobis.toFixed(2)} σ over ${data.covariance?.horizonDays ?? 10} days`}
          {likely.converged ? '' : ' (search not converged)'}
        </>
      ) : null}
      .
    </p>
  );
}
