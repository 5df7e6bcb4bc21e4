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
