import { z } from 'zod';
import { isIsoDate } from '../core/dates.js';
import { CrossmarginError } from '../core/errors.js';
import { parseWithSchema } from '../core/validate.js';

/*
 * The stress scenario library (docs/stress-testing.md "Scenario file"). Three kinds:
 * - historical: a dated stress period replayed from the bundled history — every underlying moves by its own
 *   cumulative close-to-close return over the window, vols by the vol index or the realised-vol proxy;
 * - hypothetical: stated relative moves per underlying (and relative vol moves);
 * - correlation-breakdown: hedge legs move apart by `spread` around a common move (both orientations).
 * All moves are relative and decimal: −0.3 = price × 0.7; vol moves 0.5 = vol × 1.5 (ScenarioSet 'relative').
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const isoDate = z.string().refine(isIsoDate, 'expected a calendar date YYYY-MM-DD');
/** A relative price move: above −1 (a price cannot go to or below zero). */
const priceMove = z.number().finite().gt(-1, 'a relative price move must be above −1 (price × (1 + move) > 0)');
/** A relative vol move: above −1 (vol × (1 + move) stays positive). */
const volMove = z.number().finite().gt(-1, 'a relative vol move must be above −1 (vol × (1 + move) > 0)');
/** Moves by underlying; the key `*` applies to every underlying not named. */
const moveMap = (move: typeof priceMove) => z.record(z.string().min(1), move);

const base = {
  id: z.string().regex(ID, 'letters, digits, ".", "_", "-", starting with a letter or digit'),
  label: z.string().min(1).optional(),
};

export const HistoricalScenarioSchema = z.strictObject({
  kind: z.literal('historical'),
  ...base,
  /** First day of the stress; the move runs from the last close before it. */
  from: isoDate,
  /** Last day of the stress (inclusive); the move runs to its close. */
  to: isoDate,
});

export const HypotheticalScenarioSchema = z.strictObject({
  kind: z.literal('hypothetical'),
  ...base,
  moves: moveMap(priceMove),
  volMoves: moveMap(volMove).default({}),
});

export const CorrelationBreakdownSchema = z.strictObject({
  kind: z.literal('correlation-breakdown'),
  ...base,
  /** First leg against the rest: the first underlying moves common ∓ spread/2, the others common ± spread/2. */
  legs: z.array(z.string().min(1)).min(2),
  /** Relative distance between the legs' moves (0.2 = 20 % apart). */
  spread: z.number().finite().positive().lt(2, 'spread must be below 2 (both legs stay above −100 %)'),
  /** Move both legs share, default 0. */
  common: priceMove.default(0),
  volMoves: moveMap(volMove).default({}),
});

export const StressScenarioSchema = z.discriminatedUnion('kind', [HistoricalScenarioSchema, HypotheticalScenarioSchema, CorrelationBreakdownSchema]);

/** A scenarios file: `{ "scenarios": [...] }` or a bare array. */
export const ScenarioFileSchema = z.union([z.strictObject({ $comment: z.string().optional(), scenarios: z.array(StressScenarioSchema).min(1) }), z.array(StressScenarioSchema).min(1)]);

export type HistoricalScenario = z.output<typeof HistoricalScenarioSchema>;
export type HypotheticalScenario = z.output<typeof HypotheticalScenarioSchema>;
export type CorrelationBreakdownScenario = z.output<typeof CorrelationBreakdownSchema>;
export type StressScenario = z.output<typeof StressScenarioSchema>;
export type StressScenarioInput = z.input<typeof StressScenarioSchema>;

/**
 * Validates a scenarios document (parsed JSON). SCHEMA_INVALID naming the field for a bad entry, a `from` after its
 * `to`, a duplicate id, or correlation-breakdown legs named twice.
 */
export function parseScenarioLibrary(document: unknown, source = 'scenarios'): StressScenario[] {
  const parsed = parseWithSchema(ScenarioFileSchema, document, source);
  const list = Array.isArray(parsed) ? parsed : parsed.scenarios;
  const prefix = Array.isArray(parsed) ? '' : 'scenarios.';
  const seen = new Set<string>();
  list.forEach((s, i) => {
    const field = `${prefix}${i}`;
    if (seen.has(s.id)) throw invalid(source, `${field}.id`, `"${s.id}" is used twice; scenario ids must be unique`);
    seen.add(s.id);
    if (s.kind === 'historical' && s.from > s.to) throw invalid(source, `${field}.from`, `${s.from} is after to ${s.to}`);
    if (s.kind === 'correlation-breakdown' && new Set(s.legs).size !== s.legs.length) throw invalid(source, `${field}.legs`, 'an underlying is named twice');
  });
  return list;
}

function invalid(source: string, field: string, message: string): CrossmarginError {
  return new CrossmarginError('SCHEMA_INVALID', `${source}: ${field}: ${message}`, { field: `${source}: ${field}` });
}

/** The move of `underlying` in a move map: its own entry, else the `*` entry, else 0. */
export function moveOf(moves: Readonly<Record<string, number>>, underlying: string): number {
  return moves[underlying] ?? moves['*'] ?? 0;
}
