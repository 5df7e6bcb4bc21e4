import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { DEFAULT_STRESS_LIBRARY, selectBuiltInScenarios } from './default-library.js';
import { moveOf, parseScenarioLibrary } from './scenario-library.js';

function codeOf(f: () => unknown): { code: string; field: string | undefined } {
  try {
    f();
  } catch (e) {
    if (e instanceof CrossmarginError) return { code: e.code, field: e.field };
    throw e;
  }
  throw new Error('expected a CrossmarginError');
}

describe('scenario library schema', () => {
  it('reads the three kinds, in an object or a bare array, with defaults', () => {
    const list = parseScenarioLibrary({
      scenarios: [
        { kind: 'historical', id: 'h', from: '2020-03-12', to: '2020-03-13' },
        { kind: 'hypothetical', id: 'x', moves: { BTC: -0.2, '*': -0.1 } },
        { kind: 'correlation-breakdown', id: 'c', legs: ['BTC', 'ETH'], spread: 0.2 },
      ],
    });
    expect(list.map((s) => s.kind)).toEqual(['historical', 'hypothetical', 'correlation-breakdown']);
    expect(list[1]).toMatchObject({ volMoves: {} });
    expect(list[2]).toMatchObject({ common: 0, volMoves: {} });
    expect(parseScenarioLibrary([{ kind: 'hypothetical', id: 'x', moves: {} }])).toHaveLength(1);
  });

  it('rejects bad entries naming the field', () => {
    expect(codeOf(() => parseScenarioLibrary({ scenarios: [{ kind: 'hypothetical', id: 'x', moves: { BTC: -1 } }] }, 'f.json'))).toMatchObject({ code: 'SCHEMA_INVALID' });
    expect(codeOf(() => parseScenarioLibrary({ scenarios: [{ kind: 'historical', id: 'h', from: '2020-02-30', to: '2020-03-01' }] })).code).toBe('SCHEMA_INVALID');
    expect(codeOf(() => parseScenarioLibrary({ scenarios: [{ kind: 'historical', id: 'h', from: '2020-03-02', to: '2020-03-01' }] }, 'f.json'))).toEqual({
      code: 'SCHEMA_INVALID',
      field: 'f.json: scenarios.0.from',
    });
    const dup = [
      { kind: 'hypothetical', id: 'x', moves: {} },
      { kind: 'hypothetical', id: 'x', moves: {} },
    ];
    expect(codeOf(() => parseScenarioLibrary(dup, 'f.json'))).toEqual({ code: 'SCHEMA_INVALID', field: 'f.json: 1.id' });
    expect(codeOf(() => parseScenarioLibrary([{ kind: 'correlation-breakdown', id: 'c', legs: ['BTC', 'BTC'], spread: 0.1 }])).code).toBe('SCHEMA_INVALID');
    expect(codeOf(() => parseScenarioLibrary([{ kind: 'nope', id: 'c' }])).code).toBe('SCHEMA_INVALID');
    expect(codeOf(() => parseScenarioLibrary({ scenarios: [] })).code).toBe('SCHEMA_INVALID');
  });

  it('moveOf: own entry, then *, then 0', () => {
    expect(moveOf({ BTC: -0.2, '*': -0.1 }, 'BTC')).toBe(-0.2);
    expect(moveOf({ BTC: -0.2, '*': -0.1 }, 'ETH')).toBe(-0.1);
    expect(moveOf({ BTC: -0.2 }, 'ETH')).toBe(0);
  });

  it('the built-in library holds the issue periods, and unknown ids are usage errors', () => {
    const ids = DEFAULT_STRESS_LIBRARY.map((s) => s.id);
    for (const id of ['crypto-2020-03-12', 'crypto-2021-05-19', 'crypto-2022-05-luna', 'crypto-2022-11-ftx', 'equity-2008-10', 'equity-2020-03-16']) expect(ids).toContain(id);
    expect(DEFAULT_STRESS_LIBRARY.find((s) => s.id === 'crypto-2022-05-luna')).toMatchObject({ from: '2022-05-09', to: '2022-05-12' });
    expect(selectBuiltInScenarios(['equity-2008-10']).map((s) => s.id)).toEqual(['equity-2008-10']);
    expect(codeOf(() => selectBuiltInScenarios(['nope']))).toEqual({ code: 'USAGE_INVALID', field: 'scenarios' });
  });
});
