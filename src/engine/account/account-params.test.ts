import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { DEFAULT_HAIRCUTS, DEFAULT_UNLISTED_HAIRCUT, haircutOf, parseAccountParams } from './account-params.js';

describe('parseAccountParams', () => {
  it('applies the illustrative defaults', () => {
    const p = parseAccountParams(undefined);
    expect(p.haircuts).toEqual(DEFAULT_HAIRCUTS);
    expect(p.defaultHaircut).toBe(DEFAULT_UNLISTED_HAIRCUT);
    expect(p.marginCallBuffer).toBe(0);
    expect(p.liquidationBuffer).toBe(0);
  });

  it('merges given haircuts over the defaults', () => {
    const p = parseAccountParams({ haircuts: { BTC: 0, SOL: 0.3 } });
    expect(p.haircuts).toMatchObject({ BTC: 0, SOL: 0.3, ETH: 0.1, USDC: 0 });
  });

  it.each([
    [{ haircuts: { BTC: 1.5 } }, 'haircuts.BTC'],
    [{ haircuts: { BTC: -0.1 } }, 'haircuts.BTC'],
    [{ marginCallBuffer: -0.1 }, 'marginCallBuffer'],
    [{ liquidationBuffer: 'x' }, 'liquidationBuffer'],
    [{ buffer: 0.1 }, 'buffer'],
  ])('refuses %j naming the field', (input, field) => {
    try {
      parseAccountParams(input, 'acct.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CrossmarginError);
      expect((error as CrossmarginError).code).toBe('SCHEMA_INVALID');
      expect((error as CrossmarginError).field).toBe(field);
      expect((error as CrossmarginError).message).toContain('acct.json');
    }
  });
});

describe('haircutOf', () => {
  const p = parseAccountParams({ haircuts: { ETH: 0.2 } });
  it('is 0 for the account currency, whatever is configured', () => {
    expect(haircutOf(p, 'BTC', 'BTC')).toBe(0);
    expect(haircutOf(p, 'BTC', 'USD')).toBe(0.05);
  });
  it('uses configured, then default haircuts', () => {
    expect(haircutOf(p, 'ETH', 'USD')).toBe(0.2);
    expect(haircutOf(p, 'DOGE', 'USD')).toBe(DEFAULT_UNLISTED_HAIRCUT);
    // Inherited object keys are not currencies.
    expect(haircutOf(p, 'constructor', 'USD')).toBe(DEFAULT_UNLISTED_HAIRCUT);
  });
});
