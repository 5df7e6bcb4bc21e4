import { z } from 'zod';

/**
 * The portfolio file (docs/portfolio-format.md). `instrument` is a venue-style name or a full spec (validated
 * later by the instruments layer, so its errors name the exact spec field); `quantity` is signed contracts.
 */
/** An instrument and a signed quantity: a resting order, a hypothetical trade. */
export const OrderInputSchema = z.strictObject({
  instrument: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  quantity: z.number().finite(),
});

export const PositionInputSchema = OrderInputSchema.extend({
  /**
   * Average entry price of a future or perpetual (optional), in the instrument's quote (USD per coin for inverse
   * contracts too). With it, equity counts the position's unrealised P&L from entry to today's mark
   * (docs/accounts.md "Equity"); without it the position's P&L is taken to be in the collateral already.
   */
  entryPrice: z.number().finite().positive().optional(),
});

export const PortfolioFileSchema = z.strictObject({
  account: z.string().min(1),
  /** Account (reporting) currency: margins are stated in it. */
  currency: z.string().min(1).default('USD'),
  mode: z.enum(['cross', 'isolated']).default('cross'),
  positions: z.array(PositionInputSchema),
  /** Collateral balances by currency, in units of that currency (1.2 BTC, 50 000 USDC). */
  collateral: z.record(z.string(), z.number().finite().nonnegative()).default({}),
  /**
   * Resting orders (optional): signed contracts, + buy / − sell. Only models that charge open-order margin read them
   * (deribit-pm: IM = risk-matrix margin + open-orders margin, docs/models/deribit-pm.md); the others ignore them.
   */
  openOrders: z.array(OrderInputSchema).optional(),
});

export type PortfolioFile = z.output<typeof PortfolioFileSchema>;
export type PortfolioFileInput = z.input<typeof PortfolioFileSchema>;
