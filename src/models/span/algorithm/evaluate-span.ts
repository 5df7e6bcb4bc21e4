import type { SpreadFormed } from '../../margin-result.js';
import type { SpanRiskParameters } from '../span-types.js';
import { heldScanTiers, interTierWfpr, type HeldTier, type InterTierWfpr } from './cc-tiers.js';
import { buildDeltaLedger, netRemaining, selectBuckets, type NettedPosition } from './delta-ledger.js';
import { deliveryCharge } from './delivery-charge.js';
import { formInterSpreads, type HeldScanTier } from './inter-spreads.js';
import { formIntraSpreads } from './intra-spreads.js';
import { availableNetOptionValue, capAtLongOptionValue, longOptionValueCap } from './long-option-value.js';
import { netOptionValue } from './net-option-value.js';
import { netPositions } from './net-positions.js';
import { shortOptionMinimum } from './short-option-minimum.js';
import type { SpanAccountInput, SpanCcEvaluation, SpanCurrencyRequirement, SpanEvaluation } from './span-evaluation.js';
import { validateSpanParameters } from './validate-span-parameters.js';
import { superSpreadWfpr } from './weighted-futures-price-risk.js';

const key = (cc: string, tier: number): string => `${cc}\u0000${tier}`;

/** Per parameter set, the CCs with some contract whose scanTier ≠ interTier (one pass over a possibly large map). */
const misalignedInParams = new WeakMap<SpanRiskParameters['contracts'], ReadonlySet<string>>();

/** CCs of the parameter set with some contract whose scanTier ≠ interTier (cached per contract map). */
export function misalignedInParamsOf(params: SpanRiskParameters): ReadonlySet<string> {
  let inParams = misalignedInParams.get(params.contracts);
  if (inParams === undefined) {
    const found = new Set<string>();
    for (const c of params.contracts.values()) if (c.scanTier !== c.interTier) found.add(c.cc);
    misalignedInParams.set(params.contracts, found);
    inParams = found;
  }
  return inParams;
}

/** CCs where some contract has scanTier ≠ interTier: their WFPR is computed at CC level (cc-tiers.ts). */
function misalignedCcs(params: SpanRiskParameters, positions: readonly NettedPosition[]): Set<string> {
  const out = new Set(misalignedInParamsOf(params));
  for (const { contract: c } of positions) if (c.scanTier !== c.interTier) out.add(c.cc);
  return out;
}

/**
 * The SPAN requirement of one account (methods/span.md §3): per combined commodity scan risk by tier, intra spread
 * charge, delivery charge, inter spread credit, short option minimum and net option value; risk per CC =
 * max(scan + intra + delivery − credit, SOM), initial = maintenance × the account type's ratio, both capped at the long
 * option value when the CC holds only long premium-style options; per currency max(0, Σ risk − Σ available NOV).
 * Pure: no I/O, the input is not mutated. Amounts in each CC's currency.
 */
export function evaluateSpan(params: SpanRiskParameters, input: SpanAccountInput): SpanEvaluation {
  validateSpanParameters(params);
  const positions = netPositions(params, input.positions);
  const codes = [...new Set(input.positions.map((p) => p.contract.cc))].sort();
  const byCc = new Map(codes.map((cc) => [cc, positions.filter((p) => p.contract.cc === cc)]));
  const misaligned = misalignedCcs(params, positions);
  const ledger = buildDeltaLedger(positions);

  // §3 steps 1–4 per CC; §4 WFPR from the portfolio-level decomposition.
  const tiers = new Map<string, HeldTier[]>();
  const wfpr = new Map<string, InterTierWfpr[]>();
  const held = new Map<string, HeldScanTier>();
  const intra = new Map<string, number>();
  const delivery = new Map<string, number>();
  const room = new Map<string, number>();
  const spreads: SpreadFormed[] = [];
  for (const code of codes) {
    const cc = params.combinedCommodities.get(code)!;
    const ccPositions = byCc.get(code)!;
    const ccTiers = heldScanTiers(code, ccPositions, input.scanTierPnl);
    tiers.set(code, ccTiers);
    for (const t of ccTiers) held.set(key(code, t.tier), { pnl: t.pnl, scanRisk: t.scanRisk });
    wfpr.set(code, interTierWfpr(code, cc, ccPositions, ccTiers, !misaligned.has(code)));
    const formed = formIntraSpreads(code, cc.intraSpreads, ledger);
    spreads.push(...formed.spreads);
    intra.set(code, formed.charge);
    delivery.set(code, deliveryCharge(code, cc.deliveryRates, ledger));
    room.set(code, ccTiers.reduce((sum, t) => sum + t.scanRisk, 0) + formed.charge + delivery.get(code)!);
  }

  // §4, §4.1 across CCs.
  const inter = formInterSpreads({
    spreads: params.interSpreads,
    ledger,
    wfpr: (cc, tier) => wfpr.get(cc)?.find((w) => w.tier === tier)?.wfpr ?? 0,
    superWfpr: (cc, tier) => {
      const w = wfpr.get(cc)?.find((x) => x.tier === tier);
      const ccScanRisk = (tiers.get(cc) ?? []).reduce((sum, t) => sum + t.scanRisk, 0);
      return w === undefined ? 0 : superSpreadWfpr(w.wfpr, ccScanRisk, w.netDelta);
    },
    scanTier: (cc, tier) => held.get(key(cc, tier)),
    creditRoom: room,
  });
  spreads.push(...inter.spreads);

  const ccs = codes.map((code): SpanCcEvaluation => {
    const cc = params.combinedCommodities.get(code)!;
    const ccPositions = byCc.get(code)!;
    const ccTiers = tiers.get(code)!;
    const ccWfpr = wfpr.get(code)!;
    const scanRisk = ccTiers.reduce((sum, t) => sum + t.scanRisk, 0);
    const credit = inter.creditByCc.get(code) ?? 0;
    const som = shortOptionMinimum(ccPositions, cc.somRate, cc.somMethod);
    const raw = ccRiskMaintenance(scanRisk, intra.get(code)!, delivery.get(code)!, credit, som);
    // §3 step 5: a CC of long premium-style options only is never at risk for more than their value (both levels).
    const lov = longOptionValueCap(ccPositions);
    const riskMaintenance = capAtLongOptionValue(raw, lov);
    const riskInitial = capAtLongOptionValue(raw * cc.initialToMaintenance[input.accountType], lov);
    const nov = netOptionValue(ccPositions);
    const capAnov = cc.capAnov === true;
    return {
      cc: code,
      currency: cc.currency,
      scanRisk,
      netDelta: ccPositions.reduce((sum, p) => sum + p.quantity * p.contract.compositeDelta, 0),
      tiers: ccTiers.map((t) => ({
        tier: t.tier,
        scanRisk: t.scanRisk,
        activeScenario: t.activeScenario,
        priceRisk: t.priceRisk,
        volRisk: t.volRisk,
        timeRisk: t.timeRisk,
        netDelta: t.netDelta,
        wfpr: misaligned.has(code) ? undefined : ccWfpr.find((w) => w.tier === t.tier)?.wfpr,
      })),
      interTiers: ccWfpr.map((w) => ({
        ...w,
        remainingDelta: netRemaining(ledger, selectBuckets(ledger, (b) => b.cc === code && b.interTier === w.tier && !b.inDelivery)),
      })),
      intraSpreadCharge: intra.get(code)!,
      deliveryCharge: delivery.get(code)!,
      interSpreadCredit: credit,
      shortOptionMinimum: som,
      netOptionValue: nov,
      availableNetOptionValue: availableNetOptionValue(nov, riskMaintenance, capAnov),
      availableNetOptionValueInitial: availableNetOptionValue(nov, riskInitial, capAnov),
      riskMaintenance,
      riskInitial,
    };
  });
  return { combinedCommodities: ccs, currencies: currencyRequirements(ccs), spreads };
}

/** §3 step 7: (available) NOV is netted per performance-bond currency, and each currency's requirement floored at 0. */
function currencyRequirements(ccs: readonly SpanCcEvaluation[]): SpanCurrencyRequirement[] {
  const currencies = [...new Set(ccs.map((c) => c.currency))].sort();
  return currencies.map((currency) => {
    const inCcy = ccs.filter((c) => c.currency === currency);
    const riskMaintenance = inCcy.reduce((sum, c) => sum + c.riskMaintenance, 0);
    const riskInitial = inCcy.reduce((sum, c) => sum + c.riskInitial, 0);
    const nov = inCcy.reduce((sum, c) => sum + c.netOptionValue, 0);
    // ANOV: NOV with each capAnov CC's part limited to its own risk (long-option-value.ts); = NOV when no CC is capped.
    const anov = inCcy.reduce((sum, c) => sum + c.availableNetOptionValue, 0);
    const anovInitial = inCcy.reduce((sum, c) => sum + c.availableNetOptionValueInitial, 0);
    return {
      currency,
      riskMaintenance,
      riskInitial,
      netOptionValue: nov,
      maintenance: currencyRequirement(riskMaintenance, anov),
      initial: currencyRequirement(riskInitial, anovInitial),
    };
  });
}

/** §3 step 5: a CC's maintenance risk, max(scan + intra + delivery − inter credit, SOM, 0). Shared with span-book.ts. */
export function ccRiskMaintenance(scanRisk: number, intra: number, delivery: number, credit: number, som: number): number {
  return Math.max(scanRisk + intra + delivery - credit, som, 0);
}

/** §3 step 7: one currency's requirement, its CCs' risk less their net option value, floored at 0. */
export function currencyRequirement(risk: number, nov: number): number {
  return Math.max(0, risk - nov);
}
