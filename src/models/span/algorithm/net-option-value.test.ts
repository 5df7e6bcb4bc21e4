import { describe, expect, it } from 'vitest';
import { netOptionValue } from './net-option-value.js';
import { contract } from './span-test-fixtures.js';

describe('netOptionValue (span.md §3 step 7)', () => {
  it('Σ qty × value over premium-style options; futures-style options and futures excluded', () => {
    const premium = contract({ symbol: 'C', cc: 'ES', kind: 'option', right: 'call', value: 4000, premiumStyle: true });
    const premiumPut = contract({ symbol: 'P', cc: 'ES', kind: 'option', right: 'put', value: 1500, premiumStyle: true });
    const futuresStyle = contract({ symbol: 'FC', cc: 'ES', kind: 'option', right: 'call', value: 900, premiumStyle: false });
    const fut = contract({ symbol: 'F', cc: 'ES', value: 250_000 });
    // 2 × 4,000 − 3 × 1,500 = 3,500.
    const nov = netOptionValue([
      { contract: premium, quantity: 2 },
      { contract: premiumPut, quantity: -3 },
      { contract: futuresStyle, quantity: 5 },
      { contract: fut, quantity: 1 },
    ]);
    expect(nov).toBe(3500);
  });
});
