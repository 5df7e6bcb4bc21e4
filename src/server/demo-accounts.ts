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

/**
 * The demo's parameter set for the `scenario-grid` model (activated when the demo seeds an empty database with that
 * model): initial margin 1.4 × maintenance, so an account falling through initial margin first gets a margin call
 * (equity between maintenance and initial) before liquidation. With the model's default ratio of 1, IM = MM and
 * accounts jumped from healthy straight to liquidation. Illustrative, not a calibrated venue setting.
 */
export const DEMO_PARAMETER_SET = { model: 'scenario-grid', version: 'demo-initial-ratio-1.4', params: { initialRatio: 1.4 } } as const;

/**
 * History days the demo replay skips before its first pushed day (HistoryReplayFeed `warmupDays`). The model lab
 * uses history up to the market date only, so the replay must start after what the lab's defaults need: the
 * calibration chart's 12 points 30 days apart over a 500-day lookback (500 + 11 × 30 = 830 days) and the default
 * backtest's 250 decision days with hs-var's lookback behind the first one. Started earlier (30 days), the lab
 * opened on HISTORY_INVALID. 960 days starts the replay in April 2020, after the March 2020 crash (which, replayed
 * in the first seconds, sent a third of the books under at once).
 */
export const DEMO_REPLAY_WARMUP_DAYS = 960;

/** Reference prices the generated books are sized at without entry closes (USD, roughly early 2020). */
const DEFAULT_SIZING_PRICE = { BTC: 7_000, ETH: 150 } as const;

/**
 * The named demo books plus `generated` more (seeded, so every demo database starts with the same books): directional
 * BTC or ETH perpetuals, BTC/ETH spreads and hedged books, at leverage between 1.2× and 3.5× on USDC (some also post
 * BTC), so a replay spreads them over healthy, margin-call and liquidation states. With `entryCloses` (the first
 * replayed day's closes) the perpetuals carry that entry price, so equity follows the replay. Invented test books.
 */
export function demoAccounts(entryCloses?: Readonly<Record<string, number>>, generated = 36, seed = 20_171_001): NewServiceAccount[] {
  const random = mulberry32(seed);
  // Sized at the prices the replay starts from, so the leverage drawn is the leverage held.
  const sizing = { BTC: entryCloses?.['BTC'] ?? DEFAULT_SIZING_PRICE.BTC, ETH: entryCloses?.['ETH'] ?? DEFAULT_SIZING_PRICE.ETH };
  const out: NewServiceAccount[] = [...DEMO_ACCOUNTS];
  const round = (x: number, step: number) => Math.max(step, Math.round(x / step) * step);
  for (let i = 1; i <= generated; i++) {
    const kind = random();
    const side = random() < 0.7 ? 1 : -1;
    const notional = 5_000 + random() * 95_000; // USD at sizing prices (the first replayed closes when known)
    // 1.2× to 3.5×, most near the low end, and 70 % long: at up to 5.5× and 60 % long a fifth of the books went
    // under within the replay's first two months, all at once.
    const leverage = 1.2 + random() * random() * 2.3;
    const positions: { instrument: string; quantity: number }[] = [];
    let label: string;
    if (kind < 0.4) {
      positions.push({ instrument: 'BTC_USDC-PERPETUAL', quantity: side * round(notional / sizing.BTC, 0.01) });
      label = side > 0 ? 'btc-long' : 'btc-short';
    } else if (kind < 0.7) {
      positions.push({ instrument: 'ETH_USDC-PERPETUAL', quantity: side * round(notional / sizing.ETH, 0.1) });
      label = side > 0 ? 'eth-long' : 'eth-short';
    } else {
      // A BTC/ETH spread: one leg against the other, the second leg 60–100 % of the first's notional.
      const hedge = 0.6 + random() * 0.4;
      positions.push({ instrument: 'BTC_USDC-PERPETUAL', quantity: side * round(notional / sizing.BTC, 0.01) });
      positions.push({ instrument: 'ETH_USDC-PERPETUAL', quantity: -side * round((notional * hedge) / sizing.ETH, 0.1) });
      label = 'spread';
    }
    const equity = notional / leverage;
    const collateral: Record<string, number> = random() < 0.25 ? { USDC: round(equity * 0.5, 100), BTC: round((equity * 0.5) / sizing.BTC, 0.001) } : { USDC: round(equity, 100) };
    out.push({ id: `demo-${String(i).padStart(2, '0')}-${label}`, currency: 'USD', mode: 'cross', positions, collateral });
  }
  return entryCloses === undefined ? out : out.map((a) => ({ ...a, positions: a.positions.map((p) => withEntry(p, entryCloses)) }));
}

/** A demo perpetual entered at its underlying's close (BTC_USDC-PERPETUAL → BTC). */
function withEntry(p: { instrument: string; quantity: number }, closes: Readonly<Record<string, number>>): { instrument: string; quantity: number; entryPrice?: number } {
  const close = closes[p.instrument.split('_')[0] ?? ''];
  return close === undefined ? p : { ...p, entryPrice: close };
}
