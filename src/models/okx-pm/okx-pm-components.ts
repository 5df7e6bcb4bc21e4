import type { HedgeBand, IncrementalTier, VolShockRow } from './okx-pm-params.js';

/**
 * The pure formulas of OKX portfolio margin (crypto-venues.md §2), one per MR component, in USD. The model
 * (okx-pm-model.ts) feeds them the scenario P&L and deltas of each risk unit.
 */

/**
 * Incremental tier sum: each slice of `amount` above a tier's floor counts at that tier's value (§2 MR7 scaling:
 * "applied incrementally per slice of the raw charge"). For MR7 the values are multipliers, for MR8/MR9 rates.
 */
export function okxIncremental(amount: number, tiers: readonly IncrementalTier[]): number {
  const a = Math.max(0, amount);
  let total = 0;
  for (let i = 0; i < tiers.length; i++) {
    const from = tiers[i]!.fromUsd;
    if (a <= from) break;
    const to = i + 1 < tiers.length ? Math.min(a, tiers[i + 1]!.fromUsd) : a;
    total += (to - from) * tiers[i]!.value;
  }
  return total;
}

/**
 * §2: derivMMR = max{ max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7 } (OKX help page of 9 Jul 2025 [V]).
 * `mr7` is the scaled minimum charge.
 */
export function okxDerivMmr(mr: { mr1: number; mr2: number; mr3: number; mr4: number; mr5: number; mr6: number; mr7: number; mr9: number }): number {
  return Math.max(Math.max(mr.mr1, mr.mr2, mr.mr6) + mr.mr3 + mr.mr4 + mr.mr5 + mr.mr9, mr.mr7);
}

/**
 * MR1 / MR6 style stress: the loss of the worst P&L, never negative (P&L gain positive). Ties keep the last entry,
 * so a delta-one book reports vol up at its worst spot point, as OKX does in TV-O1 ("+12 %, vol up").
 */
export function okxStressLoss(pnls: Iterable<number>): { loss: number; index: number } {
  let worst = Infinity;
  let index = -1;
  let j = 0;
  for (const x of pnls) {
    if (x <= worst) {
      worst = x;
      index = j;
    }
    j++;
  }
  return { loss: index < 0 ? 0 : Math.max(0, -worst), index };
}

/** MR1 IV shock of an option with `dteDays` to expiry: the first table row whose maxDays reaches it (last row beyond). */
export function okxVolShock(dteDays: number, table: readonly VolShockRow[]): VolShockRow {
  return table.find((r) => dteDays <= r.maxDays) ?? table[table.length - 1]!;
}

/**
 * MR3 (reconstruction of the documented intent "vol term structure" [U]): the unit's vega P&L per expiry `v_e`
 * (relative vol move of one size at every expiry) can offset across expiries in MR1's parallel vol shock; the share
 * `factor` of that offset, Σ|v_e| − |Σ v_e|, is charged. A single expiry or same-sign vegas cost nothing.
 */
export function okxTermStructure(vegaByExpiry: readonly number[], factor: number): number {
  let gross = 0;
  let net = 0;
  for (const v of vegaByExpiry) {
    gross += Math.abs(v);
    net += v;
  }
  return factor * Math.max(0, gross - Math.abs(net));
}

/**
 * MR4 basis (§2: "annualised move × time" [V text, U formula]): per expiry (perpetuals at T = 0), the net USD
 * delta of the unit's futures and perpetuals times max(annualisedMoveRisk × T, minBasisMove).
 */
export function okxBasis(deltaByExpiry: readonly { deltaUsd: number; tauYears: number }[], annualisedMoveRisk: number, minBasisMove: number): number {
  return deltaByExpiry.reduce((s, e) => s + Math.abs(e.deltaUsd) * Math.max(annualisedMoveRisk * e.tauYears, minBasisMove), 0);
}

/**
 * MR5 (reconstruction [U]): a parallel rate move Δr moves each option's forward by F·T·Δr, so the unit's options
 * lose about |Σ Δ_USD,e · T_e| · Δr.
 */
export function okxRate(optionDeltaByExpiry: readonly { deltaUsd: number; tauYears: number }[], rateShock: number): number {
  return Math.abs(optionDeltaByExpiry.reduce((s, e) => s + e.deltaUsd * e.tauYears, 0)) * rateShock;
}

/**
 * MR9 USDT–USDC–USD hedge (§2 [U third-party]): a stablecoin-margined delta that hedges delta margined in other
 * currencies of the same unit carries the stablecoin's basis to USD. Hedged amount of currency c = min(|Δ_c|,
 * |Δ_rest|) when their signs are opposite; charged incrementally at the band of the coin's USD price.
 */
export function okxStablecoinHedge(deltaByCurrency: Readonly<Record<string, number>>, stablecoins: readonly string[], priceOf: (c: string) => number, bands: readonly HedgeBand[]): { charge: number; hedged: Record<string, number> } {
  const total = Object.values(deltaByCurrency).reduce((s, x) => s + x, 0);
  const hedged: Record<string, number> = {};
  let charge = 0;
  for (const c of Object.keys(deltaByCurrency).sort()) {
    if (!stablecoins.includes(c)) continue;
    const own = deltaByCurrency[c]!;
    const rest = total - own;
    if (own * rest >= 0) continue;
    const amount = Math.min(Math.abs(own), Math.abs(rest));
    const price = priceOf(c);
    const band = bands.find((b) => price >= b.minPrice) ?? bands[bands.length - 1]!;
    hedged[c] = amount;
    charge += okxIncremental(amount * price, band.tiers);
  }
  return { charge, hedged };
}
