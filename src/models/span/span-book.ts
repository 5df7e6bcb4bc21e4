import type { AccountBook } from '../../portfolio/account-book.js';
import { aggregateKernelBlocked } from '../../portfolio/aggregate-kernel-blocked.js';
import { groupAccountBook } from '../grouped-book.js';
import type { BatchReport, BookOutput, ModelContext } from '../margin-model.js';
import type { ScenarioMatrix } from '../scenario-pipeline.js';
import { interTierWfprOf } from './algorithm/cc-tiers.js';
import { compareBuckets, restAfterTake, SPREAD_DIRECTIONS, SPREAD_NOISE } from './algorithm/delta-ledger.js';
import { deliveryRateCharge } from './algorithm/delivery-charge.js';
import { ccRiskMaintenance, currencyRequirement, misalignedInParamsOf } from './algorithm/evaluate-span.js';
import { deltaLegCredit, isRequired, scanningCredit, scanningLegCredit } from './algorithm/inter-spreads.js';
import { orderIntraSpreads } from './algorithm/intra-spreads.js';
import { availableNetOptionValue, capAtLongOptionValue } from './algorithm/long-option-value.js';
import { scanTierRiskAt } from './algorithm/scan-risk.js';
import { scanningSpreadRisk } from './algorithm/scanning-spread-risk.js';
import { somFromCounts } from './algorithm/short-option-minimum.js';
import { validateSpanContract, validateSpanParameters } from './algorithm/validate-span-parameters.js';
import { superSpreadWfpr } from './algorithm/weighted-futures-price-risk.js';
import type { SpanParams } from './span-params.js';
import { SPAN_SCENARIOS, type SpanCombinedCommodity, type SpanContract, type SpanDeliveryRate, type SpanInterSpread, type SpanRiskParameters } from './span-types.js';

/**
 * The SPAN batch path (issue 14): the method of evaluate-span.ts (methods/span.md §3–§4) for every account of an
 * AccountBook, over the book's typed arrays and a plan of typed arrays compiled once from the risk parameters — no
 * ResolvedPortfolio, no per-account maps, keys or spread objects. Margins only: the explained result stays with `evaluate`.
 *
 * It repeats evaluateSpan step for step in the same order (netting per contract in position order, then by symbol;
 * CCs, tiers and currencies sorted the same way; every sum in the same order, from 0 where the reduce starts at 0)
 * and calls the same leaf functions (scan risk, WFPR, take-from-bucket, spread credits, SOM, delivery, the CC and
 * currency floors), so its figures are bit-identical to the per-account path's; span-batch.test.ts checks it.
 */

/** Rows aggregated per chunk: 2,048 rows × 16 scenarios × 8 bytes = 256 KiB of buffer, reused chunk after chunk. */
const CHUNK_ROWS = 2048;

interface IntraLegPlan {
  /** Series-to-series leg (contract period, interned; −1 = a period no instrument of the book has). */
  readonly byPeriod: boolean;
  readonly period: number;
  readonly tier: number;
  readonly ratio: number;
  /** +1 side A (long delta), −1 side B (short delta). */
  readonly sign: number;
}

interface CcPlan {
  readonly code: string;
  readonly def: SpanCombinedCommodity;
  /** Index into SpanBookPlan.currencies (sorted currency codes, so index order = evaluateSpan's order). */
  readonly currency: number;
  /** initialToMaintenance of the account type. */
  readonly ratio: number;
  /** Some contract of the parameter set has scanTier ≠ interTier in this CC (WFPR at CC level, cc-tiers.ts). */
  readonly misaligned: boolean;
  /** Intra spreads in processing order (orderIntraSpreads). */
  readonly intra: readonly { readonly chargeRate: number; readonly legs: readonly IntraLegPlan[] }[];
  readonly delivery: readonly { readonly rate: SpanDeliveryRate; readonly period: number }[];
}

interface InterLegPlan {
  readonly cc: number;
  readonly tier: number;
  readonly ratio: number;
  readonly sign: number;
  readonly required: boolean;
  /** The (cc, tier) scan pair of a scanning leg; −1 when no instrument of the book is in that scan tier. */
  readonly scanPair: number;
}

/** What evaluateSpanBook needs of the risk parameters and the instruments, as typed arrays (built once per book). */
export interface SpanBookPlan {
  readonly risk: SpanRiskParameters;
  readonly instrumentCount: number;
  /** 1 when the instrument's contract passes validateSpanContract and no other instrument shares its symbol. */
  readonly valid: Uint8Array;
  /** Rank of the contract symbol (netPositions' order) and its inverse. */
  readonly symbolRank: Int32Array;
  readonly instrumentOfRank: Int32Array;
  /** Per instrument: CC index (into `ccs`, sorted by code), tiers, delta, option right, NOV value. */
  readonly cc: Int32Array;
  readonly scanTier: Int32Array;
  readonly interTier: Int32Array;
  readonly compositeDelta: Float64Array;
  /** 0 not an option, 1 call, 2 put (SOM counts any option that is not a put as a call, as shortOptionMinimum). */
  readonly right: Uint8Array;
  /** 1 for premium-style options (they enter NOV), with their value. */
  readonly entersNov: Uint8Array;
  readonly value: Float64Array;
  /** Delta-ledger bucket of the instrument: a rank in the canonical bucket order (compareBuckets). */
  readonly bucket: Int32Array;
  /** (cc, scan tier) pair of the instrument: its row group in the grouped book. */
  readonly scanPair: Int32Array;
  readonly pairCount: number;
  /** Per bucket rank: the attributes spread legs select on. */
  readonly bucketCc: Int32Array;
  readonly bucketPeriod: Int32Array;
  readonly bucketIntraTier: Int32Array;
  readonly bucketInterTier: Int32Array;
  readonly bucketScanTier: Int32Array;
  readonly bucketInDelivery: Uint8Array;
  readonly bucketScanPair: Int32Array;
  readonly ccs: readonly CcPlan[];
  readonly currencies: readonly string[];
  /** Inter spreads in processing order (priority, then file order). */
  readonly inter: readonly { readonly spread: SpanInterSpread; readonly scanning: boolean; readonly legs: readonly InterLegPlan[] }[];
}

/** Compiles the plan for instruments 0 … contractOf.length − 1 (every instrument of the books the model sees). */
export function compileSpanBookPlan(risk: SpanRiskParameters, contractOf: readonly SpanContract[], accountType: SpanParams['accountType']): SpanBookPlan {
  const count = contractOf.length;
  const codes = [...risk.combinedCommodities.keys()].sort();
  const ccIndex = new Map(codes.map((c, i) => [c, i]));
  const currencies = [...new Set(codes.map((c) => risk.combinedCommodities.get(c)!.currency))].sort();
  const misaligned = misalignedInParamsOf(risk);

  const valid = new Uint8Array(count);
  const bySymbol = new Map<string, number>();
  contractOf.forEach((c, i) => {
    try {
      validateSpanContract(risk, 'contract', c);
      valid[i] = 1;
    } catch {
      // The per-account path throws this contract's error, naming the position: accounts holding it go there.
      valid[i] = 0;
    }
    const first = bySymbol.get(c.symbol);
    if (first === undefined) bySymbol.set(c.symbol, i);
    else valid[i] = valid[first] = 0; // netted together per symbol by the per-account path; left to it
  });
  const instrumentOfRank = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => {
    const x = contractOf[a]!.symbol;
    const y = contractOf[b]!.symbol;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const symbolRank = new Int32Array(count);
  instrumentOfRank.forEach((i, r) => (symbolRank[i] = r));

  const periods = new Map<string, number>();
  const periodId = (p: string): number => {
    let id = periods.get(p);
    if (id === undefined) {
      id = periods.size;
      periods.set(p, id);
    }
    return id;
  };
  const pairs = new Map<string, number>();
  const pairId = (cc: string, tier: number): number => {
    const key = `${cc}\u0000${tier}`;
    let id = pairs.get(key);
    if (id === undefined) {
      id = pairs.size;
      pairs.set(key, id);
    }
    return id;
  };
  // Buckets: one per distinct ledger key among the instruments, ranked in the ledger's canonical order.
  const bucketKeys = new Map<string, number>();
  const bucketList: SpanContract[] = [];
  const bucketOfInstrument = new Int32Array(count).fill(-1);
  const scanPair = new Int32Array(count).fill(-1);
  contractOf.forEach((c, i) => {
    if (valid[i] === 0) return;
    scanPair[i] = pairId(c.cc, c.scanTier);
    const key = [c.cc, c.period, c.intraTier, c.interTier, c.scanTier, c.inDelivery ? 0 : 1].join('\u0000');
    let b = bucketKeys.get(key);
    if (b === undefined) {
      b = bucketList.length;
      bucketKeys.set(key, b);
      bucketList.push(c);
    }
    bucketOfInstrument[i] = b;
  });
  const order = bucketList.map((_, b) => b).sort((a, b) => compareBuckets(bucketList[a]!, bucketList[b]!));
  const rankOf = new Int32Array(bucketList.length);
  order.forEach((b, r) => (rankOf[b] = r));
  const bucketCount = bucketList.length;
  const bucketCc = new Int32Array(bucketCount);
  const bucketPeriod = new Int32Array(bucketCount);
  const bucketIntraTier = new Int32Array(bucketCount);
  const bucketInterTier = new Int32Array(bucketCount);
  const bucketScanTier = new Int32Array(bucketCount);
  const bucketInDelivery = new Uint8Array(bucketCount);
  const bucketScanPair = new Int32Array(bucketCount);
  order.forEach((b, r) => {
    const c = bucketList[b]!;
    bucketCc[r] = ccIndex.get(c.cc)!;
    bucketPeriod[r] = periodId(c.period);
    bucketIntraTier[r] = c.intraTier;
    bucketInterTier[r] = c.interTier;
    bucketScanTier[r] = c.scanTier;
    bucketInDelivery[r] = c.inDelivery ? 1 : 0;
    bucketScanPair[r] = pairId(c.cc, c.scanTier);
  });

  const knownPeriod = (p: string): number => periods.get(p) ?? -1;
  const sign = (side: 'A' | 'B'): number => (side === 'A' ? 1 : -1);
  const ccs = codes.map((code): CcPlan => {
    const def = risk.combinedCommodities.get(code)!;
    return {
      code,
      def,
      currency: currencies.indexOf(def.currency),
      ratio: def.initialToMaintenance[accountType],
      misaligned: misaligned.has(code),
      intra: orderIntraSpreads(def.intraSpreads).map((s) => ({
        chargeRate: s.chargeRate,
        legs: s.legs.map((l) => ({ byPeriod: l.period !== undefined, period: l.period === undefined ? -1 : knownPeriod(l.period), tier: l.tier ?? -1, ratio: l.ratio, sign: sign(l.side) })),
      })),
      delivery: def.deliveryRates.map((rate) => ({ rate, period: knownPeriod(rate.period) })),
    };
  });
  const inter = [...risk.interSpreads]
    .sort((a, b) => a.priority - b.priority)
    .map((spread) => ({
      spread,
      scanning: spread.method === 'scanning',
      legs: spread.legs.map((l) => ({
        cc: ccIndex.get(l.cc) ?? -1,
        tier: l.tier,
        ratio: l.ratio,
        sign: sign(l.side),
        required: isRequired(spread, l),
        scanPair: pairs.get(`${l.cc}\u0000${l.tier}`) ?? -1,
      })),
    }));

  return {
    risk,
    instrumentCount: count,
    valid,
    symbolRank,
    instrumentOfRank,
    cc: Int32Array.from(contractOf, (c, i) => (valid[i] === 1 ? ccIndex.get(c.cc)! : -1)),
    scanTier: Int32Array.from(contractOf, (c) => c.scanTier),
    interTier: Int32Array.from(contractOf, (c) => c.interTier),
    compositeDelta: Float64Array.from(contractOf, (c) => c.compositeDelta),
    right: Uint8Array.from(contractOf, (c) => (c.kind !== 'option' ? 0 : c.right === 'put' ? 2 : 1)),
    entersNov: Uint8Array.from(contractOf, (c) => (c.kind === 'option' && c.premiumStyle ? 1 : 0)),
    value: Float64Array.from(contractOf, (c) => c.value),
    bucket: bucketOfInstrument.map((b) => (b < 0 ? -1 : rankOf[b]!)),
    scanPair,
    pairCount: pairs.size,
    bucketCc,
    bucketPeriod,
    bucketIntraTier,
    bucketInterTier,
    bucketScanTier,
    bucketInDelivery,
    bucketScanPair,
    ccs,
    currencies,
    inter,
  };
}

/**
 * Margins of every account of `book` into `out`. Scan-tier P&L of all accounts: one grouped book of (account, CC ×
 * scan tier) rows, aggregated chunk by chunk (aggregateKernelBlocked) into a reused buffer; then the rest of the
 * method per account over scratch typed arrays. Accounts holding a contract that fails validation go to `evaluate`
 * (which throws its error naming the position), in account order, so the first error is the per-account path's.
 */
export function evaluateSpanBook(
  plan: SpanBookPlan,
  matrix: ScenarioMatrix,
  context: ModelContext,
  book: AccountBook,
  out: BookOutput,
): BatchReport {
  const leftOver: number[] = [];
  const accounts = book.accountCount;
  if (accounts === 0) return { leftOver, threads: 1 };
  // evaluateSpan's first step, for every account: the same parameter error, before any account's figures.
  validateSpanParameters(plan.risk);

  const covered = new Uint8Array(accounts);
  let widest = 1;
  for (let a = 0; a < accounts; a++) {
    let ok = 1;
    for (let e = book.rowStart[a]!; e < book.rowStart[a + 1]!; e++) {
      const i = book.instrument[e]!;
      if (!(i < plan.instrumentCount && plan.valid[i] === 1 && Number.isFinite(book.quantity[e]!))) ok = 0;
    }
    covered[a] = ok;
    if (ok === 1) widest = Math.max(widest, book.rowStart[a + 1]! - book.rowStart[a]!);
  }
  // SPAN arrays are already in each CC's currency: rows aggregate at rate 1 (weight = quantity × 1, as `evaluate`).
  const rows = groupAccountBook(book, new Float64Array(book.quantity.length).fill(1), (a, e) => (covered[a] === 1 ? plan.scanPair[book.instrument[e]!]! : -1));
  const account = accountEvaluator(plan, context, book, widest);
  let buffer = new Float64Array(Math.min(CHUNK_ROWS, Math.max(1, rows.book.rowCount)) * SPAN_SCENARIOS);
  for (let a0 = 0; a0 < accounts; ) {
    // A chunk: accounts whose rows fit the buffer (at least one account, however many rows it has).
    const r0 = rows.accountRowStart[a0]!;
    let a1 = a0 + 1;
    while (a1 < accounts && rows.accountRowStart[a1 + 1]! - r0 <= CHUNK_ROWS) a1++;
    const r1 = rows.accountRowStart[a1]!;
    if ((r1 - r0) * SPAN_SCENARIOS > buffer.length) buffer = new Float64Array((r1 - r0) * SPAN_SCENARIOS);
    const chunk = { rowCount: r1 - r0, rowStart: rows.book.rowStart.subarray(r0, r1 + 1), instrument: rows.book.instrument, weight: rows.book.weight };
    aggregateKernelBlocked(chunk, matrix.pnl, SPAN_SCENARIOS, buffer);
    for (let a = a0; a < a1; a++) {
      if (covered[a] === 1) {
        account(a, rows.rowGroup, rows.accountRowStart[a]!, rows.accountRowStart[a + 1]!, r0, buffer, out);
      } else {
        leftOver.push(a);
      }
    }
    a0 = a1;
  }
  return { leftOver, threads: 1 };
}

/** Margins account a into `out`; its scan-tier rows are rows r0 … r1 − 1, at `(r − chunkRow) × 16` in `buffer`. */
type AccountEvaluator = (a: number, rowGroup: Int32Array, r0: number, r1: number, chunkRow: number, buffer: Float64Array, out: BookOutput) => void;

/**
 * The per-account part of the batch path over scratch typed arrays sized once (`widest` = most positions of an
 * account). Every global-indexed scratch slot it sets is reset before it returns, so accounts never see each other.
 */
function accountEvaluator(plan: SpanBookPlan, context: ModelContext, book: AccountBook, widest: number): AccountEvaluator {
  const M = widest;
  const C = plan.ccs.length;
  const { bucketCc, bucketPeriod, bucketIntraTier, bucketInterTier, bucketScanTier, bucketInDelivery, bucketScanPair } = plan;
  // Global-indexed marks (−1 = unset).
  const netSlot = new Int32Array(plan.instrumentCount).fill(-1);
  const ccSlot = new Int32Array(C).fill(-1);
  const bucketSlot = new Int32Array(bucketCc.length).fill(-1);
  const pairRow = new Int32Array(plan.pairCount).fill(-1);
  const pairTier = new Int32Array(plan.pairCount).fill(-1);
  const usedPair = new Uint8Array(plan.pairCount);
  const usedList = new Int32Array(plan.pairCount);
  const seenPair = new Uint8Array(plan.pairCount);
  // Per-account lists (at most one entry per position).
  const tmpInst = new Int32Array(M);
  const tmpQty = new Float64Array(M);
  const ranks = new Int32Array(M);
  const nInst = new Int32Array(M);
  const nQty = new Float64Array(M);
  const codes = new Int32Array(M);
  const posStart = new Int32Array(M + 1);
  const posOrder = new Int32Array(M);
  const cursor = new Int32Array(M);
  const tmpBucket = new Int32Array(M);
  const tmpDelta = new Float64Array(M);
  const lbId = new Int32Array(M);
  const lbDelta = new Float64Array(M);
  const lbRem = new Float64Array(M);
  const lbStart = new Int32Array(M + 1);
  const tierStart = new Int32Array(M + 1);
  const tierNum = new Int32Array(M);
  const tierOff = new Int32Array(M);
  const tierPair = new Int32Array(M);
  const tierScan = new Float64Array(M);
  const tierPrice = new Float64Array(M);
  const tierNetDelta = new Float64Array(M);
  const tierVals = new Int32Array(M);
  const wfprStart = new Int32Array(M + 1);
  const wfprTier = new Int32Array(M);
  const wfprVal = new Float64Array(M);
  const wfprNetDelta = new Float64Array(M);
  const intraCharge = new Float64Array(M);
  const deliveryCh = new Float64Array(M);
  const room = new Float64Array(M);
  const credit = new Float64Array(M);
  let legAvail = new Float64Array(8);
  let legTaken = new Float64Array(8);
  let legStart = new Int32Array(9);
  let sel = new Int32Array(4 * M);
  const joiningTier: number[] = [];
  const joiningLeg: number[] = [];
  // Currency conversion: CC currency → account currency at today's rate, as `evaluate`'s fx().
  const fx = new Float64Array(plan.currencies.length * book.currencyNames.length).fill(Number.NaN);
  const rateOf = (ccy: number, accountCcy: number): number => {
    const at = accountCcy * plan.currencies.length + ccy;
    let r = fx[at]!;
    if (Number.isNaN(r)) {
      r = context.market.fxRate(plan.currencies[ccy]!, book.currencyNames[accountCcy]!);
      fx[at] = r;
    }
    return r;
  };

  let buckets = 0;
  const ensureSel = (at: number, lo: number, hi: number): void => {
    if (at + (hi - lo) > sel.length) {
      const grown = new Int32Array(2 * (at + hi - lo));
      grown.set(sel);
      sel = grown;
    }
  };
  /**
   * A leg's buckets, appended to `sel` from `at` (ledger order; returns the new end), out of the ledger range
   * [lo, hi) of the leg's CC: an intra leg's period (byPeriod) or intra tier; an inter leg's non-delivery buckets of
   * its inter tier (the selections of intra-spreads.ts and inter-spreads.ts).
   */
  const selectIntra = (at: number, lo: number, hi: number, leg: IntraLegPlan): number => {
    ensureSel(at, lo, hi);
    if (leg.byPeriod) {
      for (let k = lo; k < hi; k++) if (bucketPeriod[lbId[k]!] === leg.period) sel[at++] = k;
    } else {
      for (let k = lo; k < hi; k++) if (bucketIntraTier[lbId[k]!] === leg.tier) sel[at++] = k;
    }
    return at;
  };
  const selectInter = (at: number, lo: number, hi: number, tier: number): number => {
    ensureSel(at, lo, hi);
    for (let k = lo; k < hi; k++) {
      const b = lbId[k]!;
      if (bucketInterTier[b] === tier && bucketInDelivery[b] === 0) sel[at++] = k;
    }
    return at;
  };
  /** availableDelta over sel[from, to): the leg side's remaining delta, ≥ 0. */
  const available = (from: number, to: number, sign: number): number => {
    let net = 0;
    for (let x = from; x < to; x++) net += lbRem[sel[x]!]!;
    return Math.max(0, sign === 1 ? net : -net);
  };
  /** consumeDelta over sel[from, to); `mark` records the scan tiers touched (inter delta spreads). */
  const consume = (from: number, to: number, sign: number, amount: number, mark: boolean): number => {
    let left = amount;
    let taken = 0;
    for (let x = from; x < to; x++) {
      if (left <= 0) break;
      const k = sel[x]!;
      const held = sign * lbRem[k]!;
      if (held <= 0) continue;
      const take = Math.min(held, left);
      const rest = restAfterTake(held, take, lbDelta[k]!);
      lbRem[k] = sign * rest + 0; // `+ 0`: no negative zero
      left -= take;
      taken += held - rest;
      if (mark) markUsed(bucketScanPair[lbId[k]!]!);
    }
    return taken;
  };
  let usedCount = 0;
  const markUsed = (pair: number): void => {
    if (usedPair[pair] === 0) {
      usedPair[pair] = 1;
      usedList[usedCount++] = pair;
    }
  };
  /** formInterSpreads' grant: the credit capped by the CC's remaining room. */
  const grant = (cc: number, asked: number): void => {
    const j = ccSlot[cc]!;
    const granted = Math.min(asked, j < 0 ? 0 : room[j]!);
    if (!(granted > 0)) return;
    room[j] = room[j]! - granted;
    credit[j] = credit[j]! + granted;
  };
  const wfprOf = (cc: number, tier: number, superSpread: boolean): number => {
    const j = ccSlot[cc]!;
    if (j < 0) return 0;
    for (let w = wfprStart[j]!; w < wfprStart[j + 1]!; w++) {
      if (wfprTier[w] !== tier) continue;
      if (!superSpread) return wfprVal[w]!;
      let scan = 0;
      for (let x = tierStart[j]!; x < tierStart[j + 1]!; x++) scan = scan + tierScan[x]!;
      return superSpreadWfpr(wfprVal[w]!, scan, wfprNetDelta[w]!);
    }
    return 0;
  };
  const ensureLegs = (legs: number): void => {
    if (legs + 1 > legStart.length) {
      legStart = new Int32Array(legs + 1);
      legAvail = new Float64Array(legs);
      legTaken = new Float64Array(legs);
    }
  };

  return (a, rowGroup, r0, r1, chunkRow, buffer, out) => {
    const e0 = book.rowStart[a]!;
    const e1 = book.rowStart[a + 1]!;
    // netPositions: net per contract in position order, then by symbol; contracts netted to zero are dropped.
    let m = 0;
    let codeCount = 0;
    for (let e = e0; e < e1; e++) {
      const i = book.instrument[e]!;
      const q = book.quantity[e]!;
      const k = netSlot[i]!;
      if (k < 0) {
        netSlot[i] = m;
        tmpInst[m] = i;
        tmpQty[m] = q;
        ranks[m] = plan.symbolRank[i]!;
        m++;
      } else tmpQty[k] = tmpQty[k]! + q;
      // The account's CCs: every position's, netted to zero or not (evaluateSpan's `codes`).
      const cc = plan.cc[i]!;
      if (ccSlot[cc]! < 0) {
        ccSlot[cc] = 0;
        codes[codeCount++] = cc;
      }
    }
    ranks.subarray(0, m).sort();
    let n = 0;
    for (let r = 0; r < m; r++) {
      const i = plan.instrumentOfRank[ranks[r]!]!;
      const q = tmpQty[netSlot[i]!]!;
      netSlot[i] = -1;
      if (q !== 0) {
        nInst[n] = i;
        nQty[n] = q;
        n++;
      }
    }
    codes.subarray(0, codeCount).sort();
    for (let j = 0; j < codeCount; j++) ccSlot[codes[j]!] = j;
    // Netted positions by CC, netted order kept (a counting sort).
    posStart.fill(0, 0, codeCount + 1);
    for (let k = 0; k < n; k++) posStart[ccSlot[plan.cc[nInst[k]!]!]! + 1]! += 1;
    for (let j = 0; j < codeCount; j++) posStart[j + 1]! += posStart[j]!;
    cursor.set(posStart.subarray(0, codeCount));
    for (let k = 0; k < n; k++) posOrder[cursor[ccSlot[plan.cc[nInst[k]!]!]!]!++] = k;

    // buildDeltaLedger: Σ qty × compositeDelta per bucket in netted order, buckets in canonical (rank) order.
    let t = 0;
    for (let k = 0; k < n; k++) {
      const i = nInst[k]!;
      const b = plan.bucket[i]!;
      const d = nQty[k]! * plan.compositeDelta[i]!;
      const s = bucketSlot[b]!;
      if (s < 0) {
        bucketSlot[b] = t;
        tmpBucket[t] = b;
        tmpDelta[t] = d;
        t++;
      } else tmpDelta[s] = tmpDelta[s]! + d;
    }
    buckets = t;
    lbId.set(tmpBucket.subarray(0, t));
    lbId.subarray(0, t).sort();
    for (let k = 0; k < t; k++) {
      const b = lbId[k]!;
      lbDelta[k] = tmpDelta[bucketSlot[b]!]!;
      lbRem[k] = lbDelta[k]!;
      bucketSlot[b] = -1;
    }
    // Each CC's buckets are consecutive in the ledger, in code order (CC is the first sort key of both).
    for (let j = 0, k = 0; j < codeCount; j++) {
      lbStart[j] = k;
      while (k < t && ccSlot[bucketCc[lbId[k]!]!] === j) k++;
    }
    lbStart[codeCount] = t;
    for (let r = r0; r < r1; r++) pairRow[rowGroup[r]!] = (r - chunkRow) * SPAN_SCENARIOS;

    // §3 steps 1–4 per CC, in code order: tiers, WFPR, intra spreads, delivery, credit room.
    let tiers = 0;
    let wfprs = 0;
    for (let j = 0; j < codeCount; j++) {
      const cc = plan.ccs[codes[j]!]!;
      const p0 = posStart[j]!;
      const p1 = posStart[j + 1]!;
      // heldScanTiers: the CC's scan tiers, ascending, each with its P&L row, scan risk and net delta.
      tierStart[j] = tiers;
      let v = 0;
      for (let x = p0; x < p1; x++) tierVals[v++] = plan.scanTier[nInst[posOrder[x]!]!]!;
      const sorted = tierVals.subarray(0, v).sort();
      let misaligned = cc.misaligned;
      for (let x = 0; x < v; x++) {
        if (x > 0 && sorted[x] === sorted[x - 1]) continue;
        const tier = sorted[x]!;
        let netDelta = 0;
        let pair = -1;
        for (let y = p0; y < p1; y++) {
          const k = posOrder[y]!;
          const i = nInst[k]!;
          if (plan.scanTier[i] !== tier) continue;
          netDelta = netDelta + nQty[k]! * plan.compositeDelta[i]!;
          pair = plan.scanPair[i]!;
        }
        const off = pairRow[pair]!;
        const risk = scanTierRiskAt(buffer, off);
        tierNum[tiers] = tier;
        tierOff[tiers] = off;
        tierPair[tiers] = pair;
        tierScan[tiers] = risk.scanRisk;
        tierPrice[tiers] = risk.priceRisk;
        tierNetDelta[tiers] = netDelta;
        pairTier[pair] = tiers;
        tiers++;
      }
      tierStart[j + 1] = tiers;
      // interTierWfpr: per inter tier held, from the scan tier of that number (aligned) or the whole CC.
      let ccPriceRisk = 0;
      for (let x = tierStart[j]!; x < tiers; x++) ccPriceRisk = ccPriceRisk + tierPrice[x]!;
      let ccNetDelta = 0;
      for (let y = p0; y < p1; y++) {
        const k = posOrder[y]!;
        const i = nInst[k]!;
        ccNetDelta = ccNetDelta + nQty[k]! * plan.compositeDelta[i]!;
        if (plan.scanTier[i] !== plan.interTier[i]) misaligned = true;
      }
      v = 0;
      for (let x = p0; x < p1; x++) tierVals[v++] = plan.interTier[nInst[posOrder[x]!]!]!;
      const inter = tierVals.subarray(0, v).sort();
      wfprStart[j] = wfprs;
      for (let x = 0; x < v; x++) {
        if (x > 0 && inter[x] === inter[x - 1]) continue;
        const tier = inter[x]!;
        let scan = -1;
        for (let y = tierStart[j]!; y < tiers; y++) if (tierNum[y] === tier) scan = y;
        const priceRisk = misaligned ? ccPriceRisk : scan < 0 ? 0 : tierPrice[scan]!;
        const netDelta = misaligned ? ccNetDelta : scan < 0 ? 0 : tierNetDelta[scan]!;
        wfprTier[wfprs] = tier;
        wfprVal[wfprs] = interTierWfprOf(cc.code, cc.def, tier, priceRisk, netDelta);
        wfprNetDelta[wfprs] = netDelta;
        wfprs++;
      }
      wfprStart[j + 1] = wfprs;

      // formIntraSpreads over the CC's buckets.
      const lo = lbStart[j]!;
      const hi = lbStart[j + 1]!;
      let gross = 0;
      for (let k = lo; k < hi; k++) gross = gross + Math.abs(lbDelta[k]!);
      const noise = SPREAD_NOISE * gross;
      let charge = 0;
      for (const spread of cc.intra) {
        const legs = spread.legs;
        ensureLegs(legs.length);
        let at = 0;
        for (let l = 0; l < legs.length; l++) {
          legStart[l] = at;
          at = selectIntra(at, lo, hi, legs[l]!);
        }
        legStart[legs.length] = at;
        // Both directions, +1 first (formIntraSpreads, SPREAD_DIRECTIONS): a leg's sign × direction is the delta it takes.
        for (const direction of SPREAD_DIRECTIONS) {
          let count = Infinity;
          for (let l = 0; l < legs.length; l++) count = Math.min(count, available(legStart[l]!, legStart[l + 1]!, legs[l]!.sign * direction) / legs[l]!.ratio);
          if (!(count > 0) || legs.every((leg) => count * leg.ratio <= noise)) continue;
          for (let l = 0; l < legs.length; l++) consume(legStart[l]!, legStart[l + 1]!, legs[l]!.sign * direction, count * legs[l]!.ratio, false);
          const spreadCharge = count * spread.chargeRate;
          charge += spreadCharge;
        }
      }
      intraCharge[j] = charge;
      // deliveryCharge: read after this CC's intra spreads.
      let delivery = 0;
      for (const { rate, period } of cc.delivery) {
        let consumed = 0;
        let outright = 0;
        for (let k = lo; k < hi; k++) {
          if (bucketPeriod[lbId[k]!] !== period) continue;
          consumed += Math.abs(lbDelta[k]!) - Math.abs(lbRem[k]!);
          outright += lbRem[k]!;
        }
        delivery += deliveryRateCharge(rate, consumed, outright);
      }
      deliveryCh[j] = delivery;
      let scan = 0;
      for (let x = tierStart[j]!; x < tierStart[j + 1]!; x++) scan = scan + tierScan[x]!;
      room[j] = scan + charge + delivery;
      credit[j] = 0;
    }

    // formInterSpreads: priority order, delta and scanning interleaved.
    let gross = 0;
    for (let k = 0; k < buckets; k++) gross = gross + Math.abs(lbDelta[k]!);
    const noise = SPREAD_NOISE * gross;
    usedCount = 0;
    for (const { spread, scanning, legs } of plan.inter) {
      // A required leg on a CC the account does not hold: the spread cannot form (n = 0, or a missing scanning leg)
      // and forming nothing changes nothing, so it is skipped before any selection.
      let absent = false;
      for (const leg of legs) if (leg.required && ccSlot[leg.cc]! < 0) absent = true;
      if (absent) continue;
      ensureLegs(legs.length);
      if (!scanning) {
        let at = 0;
        for (let l = 0; l < legs.length; l++) {
          const leg = legs[l]!;
          const j = ccSlot[leg.cc]!;
          legStart[l] = at;
          if (j >= 0) at = selectInter(at, lbStart[j]!, lbStart[j + 1]!, leg.tier);
        }
        legStart[legs.length] = at;
        // Both directions, +1 first (formInterSpreads, SPREAD_DIRECTIONS).
        for (const direction of SPREAD_DIRECTIONS) {
          for (let l = 0; l < legs.length; l++) legAvail[l] = available(legStart[l]!, legStart[l + 1]!, legs[l]!.sign * direction);
          let count = Infinity;
          let joining = 0;
          for (let l = 0; l < legs.length; l++) {
            if (legs[l]!.required) count = Math.min(count, legAvail[l]! / legs[l]!.ratio);
            if (legAvail[l]! > 0) joining++;
          }
          if (!(count > 0) || joining < 2) continue;
          let allNoise = true;
          for (let l = 0; l < legs.length; l++) if (legAvail[l]! > 0 && !(count * legs[l]!.ratio <= noise)) allNoise = false;
          if (allNoise) continue;
          for (let l = 0; l < legs.length; l++) {
            if (legAvail[l]! > 0) legTaken[l] = consume(legStart[l]!, legStart[l + 1]!, legs[l]!.sign * direction, count * legs[l]!.ratio, true);
          }
          for (let l = 0; l < legs.length; l++) {
            if (!(legAvail[l]! > 0)) continue;
            const leg = legs[l]!;
            grant(leg.cc, deltaLegCredit(spread, count, joining, legTaken[l]!, wfprOf(leg.cc, leg.tier, spread.superSpread === true)));
          }
        }
      } else {
        // Scanning: each leg one held scan tier not used before; a missing required leg stops the spread.
        joiningTier.length = 0;
        joiningLeg.length = 0;
        let stop = false;
        for (let l = 0; l < legs.length; l++) {
          const leg = legs[l]!;
          const pair = leg.scanPair;
          const held = pair < 0 || seenPair[pair] === 1 || usedPair[pair] === 1 || ccSlot[leg.cc]! < 0 ? -1 : pairTier[pair]!;
          if (pair >= 0) seenPair[pair] = 1;
          if (held >= 0) {
            joiningTier.push(held);
            joiningLeg.push(l);
          } else if (leg.required) {
            stop = true;
            break;
          }
        }
        for (const leg of legs) if (leg.scanPair >= 0) seenPair[leg.scanPair] = 0;
        if (stop || joiningTier.length < 2) continue;
        let standalone = 0;
        for (const x of joiningTier) standalone = standalone + tierScan[x]!;
        const combined = scanningSpreadRisk(
          joiningTier.map((x) => buffer.subarray(tierOff[x]!, tierOff[x]! + SPAN_SCENARIOS)),
          spread.creditRate,
        );
        const total = scanningCredit(standalone, combined);
        for (let y = 0; y < joiningTier.length; y++) {
          const leg = legs[joiningLeg[y]!]!;
          const x = joiningTier[y]!;
          markUsed(tierPair[x]!);
          grant(leg.cc, scanningLegCredit(total, tierScan[x]!, standalone));
          // The whole tier is absorbed: its remaining non-delivery delta is consumed.
          const j = ccSlot[leg.cc]!;
          for (let k = lbStart[j]!; k < lbStart[j + 1]!; k++) {
            const b = lbId[k]!;
            if (bucketScanTier[b] === leg.tier && bucketInDelivery[b] === 0) lbRem[k] = 0;
          }
        }
      }
    }
    for (let u = 0; u < usedCount; u++) usedPair[usedList[u]!] = 0;

    // §3 steps 5–7: per CC risk (LOV cap), then per currency (sorted) net of available NOV and floored, converted and summed.
    let initial = 0;
    let maintenance = 0;
    const accountCcy = book.currency[a]!;
    for (let ccy = 0; ccy < plan.currencies.length; ccy++) {
      let riskMaintenance = 0;
      let riskInitial = 0;
      let anov = 0;
      let anovInitial = 0;
      let held = false;
      for (let j = 0; j < codeCount; j++) {
        const cc = plan.ccs[codes[j]!]!;
        if (cc.currency !== ccy) continue;
        held = true;
        let scan = 0;
        for (let x = tierStart[j]!; x < tierStart[j + 1]!; x++) scan = scan + tierScan[x]!;
        let calls = 0;
        let puts = 0;
        let ccNov = 0;
        // longOptionValueCap: the value of the CC's long premium-style options when it holds nothing else.
        let lov = 0;
        let longOnly = posStart[j + 1]! > posStart[j]!;
        for (let y = posStart[j]!; y < posStart[j + 1]!; y++) {
          const k = posOrder[y]!;
          const i = nInst[k]!;
          const q = nQty[k]!;
          if (plan.right[i] !== 0 && q < 0) {
            if (plan.right[i] === 2) puts -= q;
            else calls -= q;
          }
          if (plan.entersNov[i] === 1) ccNov += q * plan.value[i]!;
          if (plan.entersNov[i] === 1 && q > 0) lov += q * plan.value[i]!;
          else longOnly = false;
        }
        const som = somFromCounts(calls, puts, cc.def.somRate, cc.def.somMethod);
        const raw = ccRiskMaintenance(scan, intraCharge[j]!, deliveryCh[j]!, credit[j]!, som);
        const cap = longOnly ? lov : undefined;
        const rm = capAtLongOptionValue(raw, cap);
        const ri = capAtLongOptionValue(raw * cc.ratio, cap);
        riskMaintenance = riskMaintenance + rm;
        riskInitial = riskInitial + ri;
        anov = anov + availableNetOptionValue(ccNov, rm, cc.def.capAnov === true);
        anovInitial = anovInitial + availableNetOptionValue(ccNov, ri, cc.def.capAnov === true);
      }
      if (!held) continue;
      const rate = rateOf(ccy, accountCcy);
      initial += currencyRequirement(riskInitial, anovInitial) * rate;
      maintenance += currencyRequirement(riskMaintenance, anov) * rate;
    }
    out.initialMargin[a] = initial;
    out.maintenanceMargin[a] = maintenance;

    // Reset the global-indexed marks this account set.
    for (let j = 0; j < codeCount; j++) ccSlot[codes[j]!] = -1;
    for (let x = 0; x < tiers; x++) pairTier[tierPair[x]!] = -1;
    for (let r = r0; r < r1; r++) pairRow[rowGroup[r]!] = -1;
  };
}
