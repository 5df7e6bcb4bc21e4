import { describe, expect, it } from 'vitest';
import { decidingEpoch, newer, type VersionedMargin } from './jetstream-bus.js';

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

describe('fencing by epoch (an owner paused past its lease)', () => {
  it('ranks a later owner\'s margin above an earlier owner\'s, whatever their sequences', () => {
    const by = (epoch: number | undefined, market: number, input: number, margin: string): VersionedMargin<string> => ({ v: epoch === undefined ? [market, input] : [market, input, epoch], margin });
    expect(newer(by(7, 3, 100, 'successor'), by(5, 9, 900, 'paused'))?.margin).toBe('successor');
    expect(newer(by(5, 9, 900, 'paused'), by(7, 3, 100, 'successor'))?.margin).toBe('successor');
    // Written before epochs: epoch 0.
    expect(newer(by(undefined, 9, 900, 'old'), by(1, 1, 1, 'epoch 1'))?.margin).toBe('epoch 1');
    expect(newer(by(4, 3, 100, 'a'), by(4, 3, 101, 'b'))?.margin).toBe('b');
  });
  it('names the owner that decided each log position', () => {
    const progress = { seq: 500, owners: [[10, 1], [25, 201], [31, 401]] as const };
    expect([1, 200, 201, 400, 401, 500].map((seq) => decidingEpoch(progress, seq))).toEqual([10, 10, 25, 25, 31, 31]);
    expect(decidingEpoch({ seq: 5, owners: [] }, 3)).toBe(0);
  });
});
