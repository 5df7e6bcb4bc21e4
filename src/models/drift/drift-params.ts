import { z } from 'zod';
import { venueConfigFields } from '../venues/venue-config.js';

const weight = z.number().finite().min(0);
const imf = z.number().finite().min(0);

/** Spot market weights (crypto-venues.md §6): init / maint asset weight, init / maint liability weight, IMF factor. */
export const DriftSpotMarketSchema = z.strictObject({
  initialAssetWeight: weight,
  maintenanceAssetWeight: weight,
  initialLiabilityWeight: weight,
  maintenanceLiabilityWeight: weight,
  imfFactor: imf,
});
export type DriftSpotMarket = z.output<typeof DriftSpotMarketSchema>;

/**
 * Perp market margin ratios (§6: MARGIN_PRECISION 1e4, 1000 = 10 %), as fractions, and the unrealised-P&L weights
 * (protocol-v2 `state/perp_market.rs` `get_unrealized_asset_weight`). The unrealised-P&L defaults are the values
 * `initialize_perp_market` (protocol-v2 `instructions/admin.rs`) gives a new market: initial 0, maintenance 1, imf 0.
 */
export const DriftPerpMarketSchema = z.strictObject({
  marginRatioInitial: weight,
  marginRatioMaintenance: weight,
  imfFactor: imf,
  unrealizedPnlInitialAssetWeight: weight.max(1).default(0),
  unrealizedPnlMaintenanceAssetWeight: weight.max(1).default(1),
  unrealizedPnlImfFactor: imf.default(0),
});
export type DriftPerpMarket = z.output<typeof DriftPerpMarketSchema>;

const w = (ia: number, ma: number, il: number, ml: number, f: number): DriftSpotMarket => ({
  initialAssetWeight: ia,
  maintenanceAssetWeight: ma,
  initialLiabilityWeight: il,
  maintenanceLiabilityWeight: ml,
  imfFactor: f,
});

/** §6 docs snapshot (docs.drift.trade cross-collateral deposits); wBTC / wETH keyed by their index names BTC / ETH. */
export const DRIFT_DEFAULT_SPOT_MARKETS: Readonly<Record<string, DriftSpotMarket>> = {
  USDC: w(1, 1, 1, 1, 0),
  SOL: w(0.8, 0.9, 1.2, 1.1, 0.003),
  BTC: w(0.8, 0.9, 1.2, 1.1, 0.105),
  ETH: w(0.8, 0.9, 1.2, 1.1, 0.025),
  USDT: w(0.9, 0.95, 1.1, 1.05, 0.0004),
  PYTH: w(0.5, 0.75, 1.5, 1.25, 0.001),
  JTO: w(0.5, 0.75, 1.5, 1.25, 0.001),
  JUP: w(0.5, 0.75, 1.5, 1.25, 0.001),
  WIF: w(0.25, 0.5, 1.75, 1.5, 0.004),
};

/**
 * Perp ratios by tier are not published in §6 (open item §10 "Drift ratios"): the default is §6's worked unit
 * example (1000 = 10 %) for initial, half of it for maintenance, no size premium. Replace with venue values.
 */
export const DRIFT_DEFAULT_PERP_MARKET: DriftPerpMarket = {
  marginRatioInitial: 0.1,
  marginRatioMaintenance: 0.05,
  imfFactor: 0,
  unrealizedPnlInitialAssetWeight: 0,
  unrealizedPnlMaintenanceAssetWeight: 1,
  unrealizedPnlImfFactor: 0,
};

export const DriftParamsSchema = z
  .strictObject({
    ...venueConfigFields('2024-06-01', 'docs/models/drift.md: docs.drift.trade cross-collateral deposits snapshot [V]; perp ratios placeholder'),
    quoteCurrency: z.string().min(1).default('USDC').meta({ description: 'quote currency of all values' }),
    spotMarkets: z
      .record(z.string(), DriftSpotMarketSchema)
      .default(() => ({ ...DRIFT_DEFAULT_SPOT_MARKETS }))
      .meta({
        description:
          'token → {initialAssetWeight, maintenanceAssetWeight, initialLiabilityWeight, maintenanceLiabilityWeight, imfFactor}; defaults: the §6 docs snapshot, wBTC / wETH as BTC / ETH; collateral in a token not listed is SCHEMA_INVALID',
      }),
    perpMarkets: z
      .record(z.string(), DriftPerpMarketSchema)
      .default({})
      .meta({
        description:
          'underlying → {marginRatioInitial, marginRatioMaintenance, imfFactor, unrealizedPnlInitialAssetWeight (0), unrealizedPnlMaintenanceAssetWeight (1), unrealizedPnlImfFactor (0)}, as fractions (1000 = 10 % at MARGIN_PRECISION 1e4)',
      }),
    defaultPerpMarket: DriftPerpMarketSchema.default(() => ({ ...DRIFT_DEFAULT_PERP_MARKET })).meta({
      description: "ratios of a perp market not listed in perpMarkets (placeholder: §6 publishes no tier ratios; 0.1 is §6's unit example)",
    }),
  })
  .superRefine((p, ctx) => {
    const check = (m: DriftPerpMarket, path: (string | number)[]): void => {
      if (m.marginRatioMaintenance > m.marginRatioInitial) {
        ctx.addIssue({ code: 'custom', path: [...path, 'marginRatioMaintenance'], message: `exceeds marginRatioInitial ${m.marginRatioInitial}` });
      }
    };
    check(p.defaultPerpMarket, ['defaultPerpMarket']);
    for (const [name, m] of Object.entries(p.perpMarkets)) check(m, ['perpMarkets', name]);
    for (const [name, m] of Object.entries(p.spotMarkets)) {
      if (m.initialAssetWeight > m.maintenanceAssetWeight) {
        ctx.addIssue({ code: 'custom', path: ['spotMarkets', name, 'initialAssetWeight'], message: `exceeds maintenanceAssetWeight ${m.maintenanceAssetWeight}` });
      }
      if (m.initialLiabilityWeight < m.maintenanceLiabilityWeight) {
        ctx.addIssue({ code: 'custom', path: ['spotMarkets', name, 'initialLiabilityWeight'], message: `is below maintenanceLiabilityWeight ${m.maintenanceLiabilityWeight}` });
      }
    }
  });

export type DriftParams = z.output<typeof DriftParamsSchema>;
