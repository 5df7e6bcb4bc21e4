import { describe, expect, it } from 'vitest';
import { shortOptionMinimum } from './short-option-minimum.js';
import { contract } from './span-test-fixtures.js';

const call = (k: number) => contract({ symbol: `C${k}`, cc: 'ES', kind: 'option', right: 'call', strike: k });
const put = (k: number) => contract({ symbol: `P${k}`, cc: 'ES', kind: 'option', right: 'put', strike: k });
const FUT = contract({ symbol: 'ESZ4', cc: 'ES' });

// Short 2 calls @5000, short 1 call @5100, long 4 calls @5200, short 3 puts @4800, short 10 futures.
// Short calls = 2 + 1 = 3 (a long call of another series does not offset); short puts = 3; futures don't count.
const book = [
  { contract: call(5000), quantity: -2 },
  { contract: call(5100), quantity: -1 },
  { contract: call(5200), quantity: 4 },
  { contract: put(4800), quantity: -3 },
  { contract: FUT, quantity: -10 },
];

describe('shortOptionMinimum (span.md §3 step 6)', () => {
  it("'sum': rate × (short calls + short puts) = 100 × (3 + 3)", () => {
    expect(shortOptionMinimum(book, 100, 'sum')).toBe(600);
  });
  it("'max': rate × max(short calls, short puts) = 100 × max(3, 4)", () => {
    expect(shortOptionMinimum([...book, { contract: put(4700), quantity: -1 }], 100, 'max')).toBe(400);
  });
  it('no short options: 0', () => {
    expect(shortOptionMinimum([{ contract: call(5200), quantity: 4 }], 100, 'sum')).toBe(0);
  });
});
