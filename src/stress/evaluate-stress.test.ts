import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStressSet } from './build-stress-set.js';
import { defaultFundCover } from './default-fund-cover.js';
import { evaluateStress } from './evaluate-stress.js';
import type { StressScenario } from './scenario-library.js';
import { book, stressMarket } from './stress-test-fixtures.js';
import { preparePopulation } from './stress-population.js';

const noHistory = (): undefined => undefined;

function hypothetical(id: string, moves: Record<string, number>, volMoves: Record<string, number> = {}): StressScenario {
  return { kind: 'hypothetical', id, moves, volMoves };
}

function stress(documents: unknown[], library: StressScenario[]) {
  const population = preparePopulation(
    documents.map((document, i) => ({ document, source: `p${i}.json` })),
    stressMarket(),
  );
  return { population, report: evaluateStress(population, buildStressSet(library, population.underlyings, noHistory)) };
}

describe('stress evaluation', () => {
  it('loss, equity and deficit of a linear book by hand (collateral in a coin is stressed too)', () => {
    // 2 BTC perpetual (linear, USDC) + 0.5 BTC collateral + 10 000 USDC; BTC −30 %: loss = 2.5 × 60 000 × 0.3 = 45 000.
    const doc = book('a', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], { BTC: 0.5, USDC: 10_000 });
    const { population, report } = stress([doc], [hypothetical('crash', { BTC: -0.3 }), hypothetical('flat', {})]);
    expect(population.equity[0]).toBeCloseTo(0.5 * 60_000 + 10_000, 9);
    const [crash, flat] = report.accounts[0]!.outcomes;
    expect(crash!.loss).toBeCloseTo(45_000, 6);
    expect(crash!.deficit).toBeCloseTo(45_000 - 40_000, 6);
    expect(crash!.lossBeyondMargin).toBeCloseTo(Math.max(0, 45_000 - report.accounts[0]!.initialMargin), 6);
    expect(flat!.loss).toBe(0);
    expect(report.accounts[0]!.worst.scenario).toBe('crash');
    expect(report.deficits[0]).toEqual({ scenario: 'crash', accounts: [{ account: 'a', deficit: expect.closeTo(5_000, 6) as number }] });
    expect(report.deficits[1]!.accounts).toEqual([]);
    expect(report.model).toBe('scenario-grid');
  });

  it('an option premium counts in equity; a vol move alone changes an option book’s loss', () => {
    const doc = book('o', [{ instrument: 'BTC_USDC-27DEC24-60000-C', quantity: -1 }], { USDC: 20_000 });
    const { population, report } = stress([doc], [hypothetical('vol-up', {}, { BTC: 0.5 })]);
    expect(population.equity[0]).toBeLessThan(20_000); // short call: premium owed
    expect(report.accounts[0]!.outcomes[0]!.loss).toBeGreaterThan(0);
  });

  it('duplicate account ids are a usage error', () => {
    expect(() => stress([book('a', []), book('a', [])], [hypothetical('x', {})])).toThrow(/unique/);
  });

  it('property: a larger move never reduces the loss of a linear long-only book', () => {
    fc.assert(
      fc.property(
        fc.record({ btc: fc.integer({ min: 0, max: 20 }), eth: fc.integer({ min: 0, max: 200 }), coin: fc.integer({ min: 0, max: 10 }) }),
        fc.double({ min: -0.95, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (q, small, extra) => {
          const doc = book('l', [
            { instrument: 'BTC_USDC-PERPETUAL', quantity: q.btc },
            { instrument: 'ETH_USDC-PERPETUAL', quantity: q.eth },
          ], { BTC: q.coin, USDC: 1000 });
          const large = Math.max(-0.99, small - extra * (small + 0.99));
          const { report } = stress([doc], [hypothetical('s', { '*': small }), hypothetical('l', { '*': large })]);
          const [s, l] = report.accounts[0]!.outcomes;
          return l!.loss >= s!.loss - 1e-9 * Math.max(1, Math.abs(s!.loss));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('default-fund cover', () => {
  it('Cover-1 and Cover-2 by hand: the largest one and two losses beyond margin, worst scenario', () => {
    const docs = [
      book('big', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 10 }], { USDC: 1 }),
      book('mid', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 5 }], { USDC: 1 }),
      book('short', [{ instrument: 'BTC_USDC-PERPETUAL', quantity: -8 }], { USDC: 1 }),
    ];
    const { report } = stress(docs, [hypothetical('down', { BTC: -0.4 }), hypothetical('up', { BTC: 0.5 })]);
    const excess = (a: number, s: number): number => report.accounts[a]!.outcomes[s]!.lossBeyondMargin;
    const cover = defaultFundCover(report);
    // Down: big and mid lose; up: only short loses. Cover-1 = max of the per-scenario largest.
    expect(cover.cover1.amount).toBeCloseTo(Math.max(excess(0, 0), excess(2, 1)), 6);
    expect(cover.cover2.amount).toBeCloseTo(Math.max(excess(0, 0) + excess(1, 0), excess(2, 1)), 6);
    expect(cover.byScenario.map((s) => s.scenario)).toEqual(['down', 'up']);
    const largest = cover.cover2.members.map((m) => m.account);
    expect(largest.length).toBeGreaterThan(0);
    expect(cover.cover2.scenario).toBeDefined();
  });

  it('property: Cover-2 ≥ Cover-1 ≥ 0 for any population and library', () => {
    const instrument = fc.constantFrom('BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL', 'BTC_USDC-27DEC24-60000-C', 'ETH_USDC-27DEC24-2500-P');
    const account = fc.array(fc.record({ instrument, quantity: fc.integer({ min: -20, max: 20 }) }), { minLength: 0, maxLength: 3 });
    const move = fc.double({ min: -0.6, max: 0.6, noNaN: true });
    fc.assert(
      fc.property(fc.array(account, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(move, move), { minLength: 1, maxLength: 3 }), (accounts, moves) => {
        const docs = accounts.map((positions, i) => book(`m${i}`, positions, { USDC: 5_000 }));
        const { report } = stress(docs, moves.map(([b, e], i) => hypothetical(`s${i}`, { BTC: b, ETH: e })));
        const cover = defaultFundCover(report);
        return cover.cover1.amount >= 0 && cover.cover2.amount >= cover.cover1.amount - 1e-9 && cover.byScenario.every((s) => s.cover2 >= s.cover1 && s.cover1 >= 0);
      }),
      { numRuns: 40 },
    );
  });
});
