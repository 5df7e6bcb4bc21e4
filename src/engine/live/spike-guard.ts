/** What the guard knows about one underlying: the last accepted index and a held (unconfirmed) one. */
export interface SpikeState {
  /** Last accepted index, quote currency; undefined before the first update. */
  readonly lastAccepted: number | undefined;
  /** Index of a held update awaiting confirmation, if any. */
  readonly held: number | undefined;
}

/**
 * Verdict on one index update:
 * - `accept`: apply it (first value, or within the band of the last accepted one);
 * - `confirm`: a held spike is confirmed by this update (within the band of the held value): apply this update;
 * - `drop`: this update is back within the band of the last accepted value: forget the held spike, apply this one;
 * - `hold`: beyond the band of the last accepted value (and of any held one): hold this update instead.
 */
export type SpikeVerdict = 'accept' | 'confirm' | 'drop' | 'hold';

/** |a / b − 1|: the relative distance the band is measured in (a fraction, 0.25 = 25 %). */
export function relativeMove(a: number, b: number): number {
  return Math.abs(a / b - 1);
}

/**
 * The oracle-spike guard of one underlying (docs/live-engine.md "Spike guard"). `band` is relative (0.25 = 25 %);
 * a move exactly at the band is accepted. With a spike held, an update within the band of the held value confirms
 * it (even when it is also within the band of the old value: either way that update is the one applied).
 */
export function judgeIndexUpdate(state: SpikeState, index: number, band: number): SpikeVerdict {
  if (state.lastAccepted === undefined || !(state.lastAccepted > 0)) return 'accept';
  if (state.held !== undefined) {
    if (relativeMove(index, state.held) <= band) return 'confirm';
    if (relativeMove(index, state.lastAccepted) <= band) return 'drop';
    return 'hold';
  }
  return relativeMove(index, state.lastAccepted) <= band ? 'accept' : 'hold';
}
