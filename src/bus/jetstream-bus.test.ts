import { describe, expect, it } from 'vitest';
import { newer, type VersionedMargin } from './jetstream-bus.js';

describe('newer: which of an account’s published margins is current', () => {
  const at = (market: number, input: number, margin: string): VersionedMargin<string> => ({ v: [market, input], margin });
  it('compares the market sequence first, then the input sequence', () => {
    expect(newer(at(3, 100, 'page'), at(2, 500, 'own'))?.margin).toBe('page');
    expect(newer(at(3, 100, 'page'), at(4, 0, 'own'))?.margin).toBe('own');
    expect(newer(at(3, 100, 'page'), at(3, 101, 'own'))?.margin).toBe('own');
    expect(newer(at(3, 101, 'page'), at(3, 100, 'own'))?.margin).toBe('page');
  });
  it('keeps the first when equal, and whichever exists when one is missing', () => {
    expect(newer(at(3, 100, 'page'), at(3, 100, 'own'))?.margin).toBe('page');
    expect(newer(undefined, at(1, 1, 'own'))?.margin).toBe('own');
    expect(newer(at(1, 1, 'page'), undefined)?.margin).toBe('page');
    expect(newer<string>(undefined, undefined)).toBeUndefined();
  });
});
