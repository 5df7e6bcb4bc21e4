import { STATE_COLOURS } from '../format.js';

export function StateBadge({ state }: { state: string | undefined }) {
  if (state === undefined) return <span className="badge badge-none">no margin</span>;
  return (
    <span className="badge" style={{ background: STATE_COLOURS[state] ?? '#555' }} data-state={state}>
      {state}
    </span>
  );
}
