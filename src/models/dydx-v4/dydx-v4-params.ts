import { z } from 'zod';
import { fraction, venueConfigFields } from '../venues/venue-config.js';

/**
 * One dYdX v4 liquidity tier (crypto-venues.md §5, `types/liquidity_tier.go`): base initial margin fraction,
 * maintenance fraction (share of the base IM), and the open-interest band over which the IMF scales to 1.
 * `openInterestUpper` 0 means no open-interest scaling ("upper_cap = 0 → base").
 */
export const DydxLiquidityTierSchema = z
  .strictObject({
    initialMarginFraction: fraction,
    maintenanceFraction: fraction,
    openInterestLower: z.number().finite().min(0).default(0),
    openInterestUpper: z.number().finite().min(0).default(0),
  })
  .superRefine((t, ctx) => {
    if (t.openInterestUpper !== 0 && t.openInterestUpper <= t.openInterestLower) {
      ctx.addIssue({ code: 'custom', path: ['openInterestUpper'], message: `must exceed openInterestLower ${t.openInterestLower} (or be 0: no scaling)` });
    }
  });

export type DydxLiquidityTier = z.output<typeof DydxLiquidityTierSchema>;

/** Sample-genesis tiers of §5 (IM / MF / MM / OI caps, USDC); mainnet tiers are unconfirmed ([U], §10). */
export const DYDX_DEFAULT_TIERS: Readonly<Record<string, DydxLiquidityTier>> = {
  'large-cap': { initialMarginFraction: 0.05, maintenanceFraction: 0.6, openInterestLower: 0, openInterestUpper: 0 },
  'small-cap': { initialMarginFraction: 0.1, maintenanceFraction: 0.5, openInterestLower: 20e6, openInterestUpper: 50e6 },
  'long-tail': { initialMarginFraction: 0.2, maintenanceFraction: 0.5, openInterestLower: 5e6, openInterestUpper: 10e6 },
  safety: { initialMarginFraction: 1, maintenanceFraction: 0.2, openInterestLower: 0, openInterestUpper: 0 },
  isolated: { initialMarginFraction: 0.05, maintenanceFraction: 0.6, openInterestLower: 0.5e6, openInterestUpper: 1e6 },
  'mid-cap': { initialMarginFraction: 0.05, maintenanceFraction: 0.6, openInterestLower: 40e6, openInterestUpper: 100e6 },
  fx: { initialMarginFraction: 0.01, maintenanceFraction: 0.5, openInterestLower: 0, openInterestUpper: 0 },
};

/** A perpetual market by underlying: its tier, today's open interest (USDC notional) and optional tier overrides. */
const MarketSchema = z.strictObject({
  liquidityTier: z.string().min(1).optional(),
  openInterest: z.number().finite().min(0).default(0),
  initialMarginFraction: fraction.optional(),
  maintenanceFraction: fraction.optional(),
  openInterestLower: z.number().finite().min(0).optional(),
  openInterestUpper: z.number().finite().min(0).optional(),
});

export const DydxV4ParamsSchema = z
  .strictObject({
    ...venueConfigFields('2024-01-01', 'docs/models/dydx-v4.md: dydxprotocol/v4-chain sample genesis liquidity tiers [U mainnet]'),
    quoteCurrency: z
      .string()
      .min(1)
      .default('USDC')
      .meta({ description: 'settlement and the only accepted collateral currency (§5: quote quantums are USDC 1e-6); other collateral is SCHEMA_INVALID' }),
    liquidityTiers: z
      .record(z.string(), DydxLiquidityTierSchema)
      .default(() => ({ ...DYDX_DEFAULT_TIERS }))
      .meta({
        description:
          'tier → {initialMarginFraction, maintenanceFraction, openInterestLower, openInterestUpper}; defaults: the §5 sample-genesis tiers, not confirmed mainnet values [U]',
      }),
    defaultLiquidityTier: z.string().min(1).default('large-cap').meta({ description: 'tier of an underlying with no entry in markets' }),
    markets: z
      .record(z.string(), MarketSchema)
      .default({})
      .meta({ description: 'underlying → {liquidityTier, openInterest (USDC notional), tier field overrides}' }),
  })
  .superRefine((p, ctx) => {
    const known = Object.keys(p.liquidityTiers);
    if (!known.includes(p.defaultLiquidityTier)) {
      ctx.addIssue({ code: 'custom', path: ['defaultLiquidityTier'], message: `unknown liquidity tier "${p.defaultLiquidityTier}"; known: ${known.join(', ')}` });
    }
    for (const [name, m] of Object.entries(p.markets)) {
      if (m.liquidityTier !== undefined && !known.includes(m.liquidityTier)) {
        ctx.addIssue({ code: 'custom', path: ['markets', name, 'liquidityTier'], message: `unknown liquidity tier "${m.liquidityTier}"; known: ${known.join(', ')}` });
      }
    }
  });

export type DydxV4Params = z.output<typeof DydxV4ParamsSchema>;
