import { STATE_COLOURS } from '../format.js';

/** An account state as a coloured badge; `title` (e.g. why it is unmarginable) shows on hover. */
export function StateBadge({ state, title }: { state: string | undefined; title?: string | undefined }) {
  if (state === undefined) return <span className="badge badge-none">no margin</span>;
  return (
    <span className={`badge badge-${state}`} style={{ background: STATE_COLOURS[state] ?? '#555' }} data-state={state} title={title}>
      {state}
    </span>
  );
}
