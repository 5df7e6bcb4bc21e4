import type { MarketHistory } from '../scenarios/history/market-history.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';
import { historicalMove } from './historical-moves.js';
import { moveOf, type StressScenario } from './scenario-library.js';

/** One underlying's move in one stress scenario, as applied. */
export interface AppliedMove {
  readonly underlying: string;
  /** Relative price move, decimal (−0.39 = price × 0.61). */
  readonly priceMove: number;
  /** Relative vol move (0.5 = vol × 1.5). */
  readonly volMove: number;
  /** Historical scenarios: the closes the move runs between, and where the vol move came from. */
  readonly baseDate?: string;
  readonly endDate?: string;
  readonly volSource?: 'index' | 'realised';
}

/** A scenario of the stress set: what it is and what it does to each underlying of the books. */
export interface StressScenarioInfo {
  readonly id: string;
  readonly label: string;
  readonly kind: StressScenario['kind'];
  /** The library entry it came from (a correlation breakdown gives two scenarios). */
  readonly sourceId: string;
  readonly moves: readonly AppliedMove[];
  /** Underlyings the scenario leaves unmoved because the history has no data for the window, with the reason. */
  readonly noData: readonly { readonly underlying: string; readonly reason: string }[];
}

export interface StressSet {
  readonly set: ScenarioSet;
  readonly scenarios: readonly StressScenarioInfo[];
}

/** Supplies the daily history of one underlying, or undefined when none is known (no catalogue entry, no file). */
export type HistoryFor = (underlying: string) => MarketHistory | undefined;

function expand(s: StressScenario, underlyings: readonly string[], historyFor: HistoryFor): StressScenarioInfo[] {
  const label = s.label ?? s.id;
  if (s.kind === 'hypothetical') {
    const moves = underlyings.map((u) => ({ underlying: u, priceMove: moveOf(s.moves, u), volMove: moveOf(s.volMoves, u) }));
    return [{ id: s.id, label, kind: s.kind, sourceId: s.id, moves, noData: [] }];
  }
  if (s.kind === 'correlation-breakdown') {
    const [first] = s.legs as [string, ...string[]];
    const half = s.spread / 2;
    // Which leg is the hedge is not known, so both orientations are scenarios (first leg down, then up).
    return [-1, 1].map((sign) => {
      const moves = underlyings.map((u) => {
        const inLegs = s.legs.includes(u);
        const priceMove = !inLegs ? 0 : u === first ? s.common + sign * half : s.common - sign * half;
        return { underlying: u, priceMove, volMove: moveOf(s.volMoves, u) };
      });
      const side = sign < 0 ? 'down' : 'up';
      return { id: `${s.id}:${first}-${side}`, label: `${label} (${first} ${side})`, kind: s.kind, sourceId: s.id, moves, noData: [] };
    });
  }
  const moves: AppliedMove[] = [];
  const noData: { underlying: string; reason: string }[] = [];
  for (const u of underlyings) {
    const history = historyFor(u);
    const m = history === undefined ? { available: false as const, reason: 'no price history for this underlying' } : historicalMove(history, 0, s.from, s.to);
    if (m.available) {
      moves.push({ underlying: u, priceMove: m.priceMove, volMove: m.volMove, baseDate: m.baseDate, endDate: m.endDate, volSource: m.volSource });
    } else {
      moves.push({ underlying: u, priceMove: 0, volMove: 0 });
      noData.push({ underlying: u, reason: m.reason });
    }
  }
  const window = s.from === s.to ? s.from : `${s.from}..${s.to}`;
  return [{ id: s.id, label: `${label} (${window})`, kind: s.kind, sourceId: s.id, moves, noData }];
}

/**
 * Turns library entries into one ScenarioSet over `underlyings` (the underlyings the books' market prices), so the
 * shared pipeline revalues every instrument once per scenario (DESIGN.md "The flow of data"). Moves are instant
 * shocks: no time step (time decay over a multi-day window is not replayed). Vol shifts are relative.
 * `historyFor` is asked once per underlying, only when the library holds a historical scenario.
 */
export function buildStressSet(library: readonly StressScenario[], underlyings: readonly string[], historyFor: HistoryFor): StressSet {
  const cache = new Map<string, MarketHistory | undefined>();
  const cached: HistoryFor = (u) => {
    if (!cache.has(u)) cache.set(u, historyFor(u));
    return cache.get(u);
  };
  const scenarios = library.flatMap((s) => expand(s, underlyings, cached));
  const count = scenarios.length;
  const priceMove = new Float64Array(underlyings.length * count);
  const volShift = new Float64Array(underlyings.length * count);
  scenarios.forEach((sc, s) => {
    sc.moves.forEach((m, u) => {
      priceMove[u * count + s] = m.priceMove;
      volShift[u * count + s] = m.volMove;
    });
  });
  const set: ScenarioSet = {
    count,
    underlyings: [...underlyings],
    ids: scenarios.map((s) => s.id),
    labels: scenarios.map((s) => s.label),
    priceMove,
    volShift,
    volShiftMode: 'relative',
    timeStep: new Float64Array(count),
    weight: new Float64Array(count).fill(1),
  };
  return { set, scenarios };
}
