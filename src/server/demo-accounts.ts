import { mulberry32 } from '../core/seeded-random.js';
import type { NewServiceAccount } from './margin-service.js';

/**
 * Demo books for `crossmargin serve --demo` (seeded only into an empty database): USD accounts holding linear BTC
 * and ETH perpetuals (1 coin per contract) against USDC collateral, sized so that a replay of the bundled history
 * moves some of them through margin calls. Invented test books, not client data.
 */
export const DEMO_ACCOUNTS: readonly NewServiceAccount[] = [
  { id: 'demo-btc-long', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 2 }], collateral: { USDC: 60_000 } },
  { id: 'demo-eth-short', currency: 'USD', mode: 'cross', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -20 }], collateral: { USDC: 25_000 } },
  {
    id: 'demo-btc-eth-spread',
    currency: 'USD',
    mode: 'cross',
    positions: [
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 },
      { instrument: 'ETH_USDC-PERPETUAL', quantity: -10 },
    ],
    collateral: { USDC: 20_000 },
  },
  { id: 'demo-thin', currency: 'USD', mode: 'cross', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 3 }], collateral: { USDC: 12_000 } },
];

/**
 * The demo's insurance fund opening balance (a ledger deposit, seeded with the demo accounts): the demo books settle
 * in USDC, so the fund holds USDC. Illustrative.
 */
export const DEMO_INSURANCE_FUND = { currency: 'USDC', amount: 50_000 } as const;

/** Reference prices the generated books are sized at (USD, roughly the start of the demo replay, late 2017). */
const SIZING_PRICE = { BTC: 5_000, ETH: 300 } as const;

/**
 * The named demo books plus `generated` more (seeded, so every demo database starts with the same books): directional
 * BTC or ETH perpetuals, BTC/ETH spreads and hedged books, at leverage between 1.2× and 5.5× on USDC (some also post
 * BTC), so a replay spreads them over healthy, margin-call and liquidation states. With `entryCloses` (the first
 * replayed day's closes) the perpetuals carry that entry price, so equity follows the replay. Invented test books.
 */
export function demoAccounts(entryCloses?: Readonly<Record<string, number>>, generated = 36, seed = 20_171_001): NewServiceAccount[] {
  const random = mulberry32(seed);
  const out: NewServiceAccount[] = [...DEMO_ACCOUNTS];
  const round = (x: number, step: number) => Math.max(step, Math.round(x / step) * step);
  for (let i = 1; i <= generated; i++) {
    const kind = random();
    const side = random() < 0.6 ? 1 : -1;
    const notional = 5_000 + random() * 95_000; // USD at sizing prices
    const leverage = 1.2 + random() * random() * 4.3;
    const positions: { instrument: string; quantity: number }[] = [];
    let label: string;
    if (kind < 0.4) {
      positions.push({ instrument: 'BTC_USDC-PERPETUAL', quantity: side * round(notional / SIZING_PRICE.BTC, 0.01) });
      label = side > 0 ? 'btc-long' : 'btc-short';
    } else if (kind < 0.7) {
      positions.push({ instrument: 'ETH_USDC-PERPETUAL', quantity: side * round(notional / SIZING_PRICE.ETH, 0.1) });
      label = side > 0 ? 'eth-long' : 'eth-short';
    } else {
      // A BTC/ETH spread: one leg against the other, the second leg 60–100 % of the first's notional.
      const hedge = 0.6 + random() * 0.4;
      positions.push({ instrument: 'BTC_USDC-PERPETUAL', quantity: side * round(notional / SIZING_PRICE.BTC, 0.01) });
      positions.push({ instrument: 'ETH_USDC-PERPETUAL', quantity: -side * round((notional * hedge) / SIZING_PRICE.ETH, 0.1) });
      label = 'spread';
    }
    const equity = notional / leverage;
    const collateral: Record<string, number> = random() < 0.25 ? { USDC: round(equity * 0.5, 100), BTC: round((equity * 0.5) / SIZING_PRICE.BTC, 0.001) } : { USDC: round(equity, 100) };
    out.push({ id: `demo-${String(i).padStart(2, '0')}-${label}`, currency: 'USD', mode: 'cross', positions, collateral });
  }
  return entryCloses === undefined ? out : out.map((a) => ({ ...a, positions: a.positions.map((p) => withEntry(p, entryCloses)) }));
}

/** A demo perpetual entered at its underlying's close (BTC_USDC-PERPETUAL → BTC). */
function withEntry(p: { instrument: string; quantity: number }, closes: Readonly<Record<string, number>>): { instrument: string; quantity: number; entryPrice?: number } {
  const close = closes[p.instrument.split('_')[0] ?? ''];
  return close === undefined ? p : { ...p, entryPrice: close };
}
