import { CrossmarginError } from '../../core/errors.js';
import type { SpreadFormed } from '../margin-result.js';
import type { BatchReport, CompiledModel, ModelContext } from '../margin-model.js';
import { defineModel } from '../define-model.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { aggregatePortfolio, groupRows, type ScenarioMatrix } from '../scenario-pipeline.js';
import { evaluateSpan } from './algorithm/evaluate-span.js';
import { computeSpanParameters } from './computed-span-parameters.js';
import { readSpanFile } from './load-span-file.js';
import { SpanDetailsSchema, type SpanDetails } from './span-details.js';
import { SpanFileSchema } from './span-file-schema.js';
import { compileSpanBookPlan, evaluateSpanBook, type SpanBookPlan } from './span-book.js';
import { spanCatalogue } from './span-catalogue.js';
import { SpanParamsSchema, type SpanParams } from './span-params.js';
import { buildSpanScenarioSet } from './span-scenario-set.js';
import { SPAN_SCENARIO_LABELS, SPAN_SCENARIOS, type SpanContract, type SpanRiskParameters } from './span-types.js';

/**
 * `span`: CME SPAN (methods/span.md §3–§6) on the shared pipeline. The instrument × scenario matrix holds each
 * contract's 16-value array (from a risk-parameter file, or computed by our pricer); the aggregation kernel sums
 * them per (combined commodity, scan tier); the SPAN algorithm adds spreads, SOM and NOV. docs/models/span.md.
 */
export const spanModel = defineModel({
  id: 'span',
  description: 'CME SPAN: 16-scenario scan risk per tier, intra/inter spreads, delivery, short option minimum, NOV',
  // Its batch path works account by account: large books are partitioned over worker threads (book-partition.ts).
  partitionBatch: true,
  paramsSchema: SpanParamsSchema,
  detailsSchema: SpanDetailsSchema,
  riskFile: {
    schema: SpanFileSchema,
    prepare(file, source) {
      const risk = readSpanFile(file, source);
      return { data: risk, catalogue: spanCatalogue(risk) };
    },
  },
  compile(params, context) {
    const specs = context.instruments.specs();
    let risk: SpanRiskParameters;
    let contractOf: readonly SpanContract[];
    if (context.riskParameters === undefined) {
      ({ risk, contractOf } = computeSpanParameters(params, context));
    } else {
      risk = context.riskParameters;
      contractOf = specs.map((spec, i) => {
        const contract = risk.contracts.get(spec.symbol);
        if (contract === undefined) {
          const field = context.fieldOf?.(i) ?? `instruments.${i}`;
          throw new CrossmarginError('INSTRUMENT_UNKNOWN', `${field}: ${spec.symbol} is not a contract of the SPAN file (${risk.exchangeComplex} ${risk.businessDate})`, { field });
        }
        return contract;
      });
    }
    const pnl = new Float64Array(specs.length * SPAN_SCENARIOS);
    contractOf.forEach((c, i) => pnl.set(c.pnl, i * SPAN_SCENARIOS));
    const matrix: ScenarioMatrix = { set: buildSpanScenarioSet(new Map(), 0), pnl, instrumentCount: specs.length };
    return compiledSpan(risk, contractOf, matrix, context, params);
  },
});

function compiledSpan(risk: SpanRiskParameters, contractOf: readonly SpanContract[], matrix: ScenarioMatrix, context: ModelContext, params: SpanParams): CompiledModel<SpanDetails> {
  let plan: SpanBookPlan | undefined;
  const self: CompiledModel<SpanDetails> = {
    /**
     * The batch path (span-book.ts): scan-tier rows of every account aggregated chunk by chunk, then the SPAN steps
     * per account over typed arrays, bit-identical to `evaluate`. Isolated accounts are margined like cross ones
     * (SPAN has no isolated mode, as `evaluate`); only accounts holding a contract that fails validation (or whose
     * symbol another instrument's contract shares) go to `evaluate`, which throws the error naming the position.
     */
    evaluateBook(book, out): BatchReport {
      plan ??= compileSpanBookPlan(risk, contractOf, params.accountType);
      return evaluateSpanBook(plan, matrix, context, book, out);
    },
    evaluate(portfolio): MarginResultOf<SpanDetails> {
      const { rows, keys: rowKeys, index: rowIndex } = groupRows(portfolio.positions.length, (i) => {
        const c = contractOf[portfolio.positions[i]!.instrument]!;
        const key = `${c.cc}#${c.scanTier}`;
        return { key, name: key };
      });
      // Arrays are already in each CC's currency, so rows aggregate at rate 1; conversion happens per currency below.
      const grouped = aggregatePortfolio(matrix, context, portfolio, rowKeys.length, (i) => rows[i]!, () => 1);
      const rowPnl = (cc: string, tier: number): Float64Array | undefined => {
        const row = rowIndex.get(`${cc}#${tier}`);
        return row === undefined ? undefined : grouped.rowPnl.subarray(row * SPAN_SCENARIOS, (row + 1) * SPAN_SCENARIOS);
      };
      const evaluation = evaluateSpan(risk, {
        positions: portfolio.positions.map((p) => ({ contract: contractOf[p.instrument]!, quantity: p.quantity })),
        scanTierPnl: rowPnl,
        accountType: params.accountType,
      });

      const fx = (currency: string): number => context.market.fxRate(currency, portfolio.currency);
      let initial = 0;
      let maintenance = 0;
      for (const c of evaluation.currencies) {
        initial += c.initial * fx(c.currency);
        maintenance += c.maintenance * fx(c.currency);
      }

      const components: MarginComponent[] = [];
      let worst: { cc: string; tier: number; scenario: number; scanRisk: number; rate: number } | undefined;
      for (const cc of evaluation.combinedCommodities) {
        const rate = fx(cc.currency);
        const top = cc.tiers.reduce<(typeof cc.tiers)[number] | undefined>((a, t) => (a === undefined || t.scanRisk > a.scanRisk ? t : a), undefined);
        const scenario = top === undefined ? undefined : { id: String(top.activeScenario + 1), label: SPAN_SCENARIO_LABELS[top.activeScenario]! };
        components.push({ name: 'scanRisk', group: cc.cc, value: cc.scanRisk * rate, ...(scenario === undefined ? {} : { scenario }) });
        components.push({ name: 'intraSpreadCharge', group: cc.cc, value: cc.intraSpreadCharge * rate });
        components.push({ name: 'deliveryCharge', group: cc.cc, value: cc.deliveryCharge * rate });
        components.push({ name: 'interSpreadCredit', group: cc.cc, value: cc.interSpreadCredit * rate });
        components.push({ name: 'shortOptionMinimum', group: cc.cc, value: cc.shortOptionMinimum * rate });
        components.push({ name: 'netOptionValue', group: cc.cc, value: cc.netOptionValue * rate });
        if (top !== undefined && (worst === undefined || top.scanRisk * rate > worst.scanRisk * worst.rate)) {
          worst = { cc: cc.cc, tier: top.tier, scenario: top.activeScenario, scanRisk: top.scanRisk, rate };
        }
      }
      const activeOf = new Map<string, number>();
      for (const cc of evaluation.combinedCommodities) for (const t of cc.tiers) activeOf.set(`${cc.cc}#${t.tier}`, t.activeScenario);
      const ccCurrency = new Map(evaluation.combinedCommodities.map((c) => [c.cc, c.currency]));
      const positions = portfolio.positions.map((p) => {
        const c = contractOf[p.instrument]!;
        const s = activeOf.get(`${c.cc}#${c.scanTier}`) ?? 0;
        return { instrument: c.symbol, quantity: p.quantity, contribution: 0 - p.quantity * c.pnl[s]! * fx(ccCurrency.get(c.cc) ?? portfolio.currency) };
      });
      // Intra charges are in their CC's currency; inter credits are granted per leg, each in its leg's currency.
      const legRate = (cc: string): number => fx(ccCurrency.get(cc) ?? portfolio.currency);
      const spreads: SpreadFormed[] = evaluation.spreads.map((s) => {
        const legs = s.legs.map((l) => (l.credit === undefined ? l : { ...l, credit: l.credit * legRate(l.cc) }));
        return {
          ...s,
          legs,
          ...(s.charge === undefined ? {} : { charge: s.charge * legRate(s.legs[0]?.cc ?? '') }),
          ...(s.credit === undefined ? {} : { credit: legs.reduce((a, l) => a + (l.credit ?? 0), 0) }),
        };
      });
      const single = evaluation.combinedCommodities.length === 1;
      return {
        model: 'span',
        account: portfolio.account,
        currency: portfolio.currency,
        initialMargin: initial,
        maintenanceMargin: maintenance,
        components,
        ...(worst === undefined || worst.scanRisk <= 0
          ? {}
          : {
              worstScenario: {
                id: String(worst.scenario + 1),
                label: single ? SPAN_SCENARIO_LABELS[worst.scenario]! : `${worst.cc}: ${SPAN_SCENARIO_LABELS[worst.scenario]}`,
                pnl: (rowPnl(worst.cc, worst.tier)?.[worst.scenario] ?? 0) * worst.rate,
              },
            }),
        positions,
        spreads,
        details: {
          source: `${risk.exchangeComplex} ${risk.businessDate}`,
          accountType: params.accountType,
          currencies: evaluation.currencies,
          combinedCommodities: evaluation.combinedCommodities.map((c) => ({
            cc: c.cc,
            currency: c.currency,
            // Scenario ids are 1-based everywhere in results (span.md §2 numbering).
            tiers: c.tiers.map(({ activeScenario, ...t }) => ({ ...t, activeScenario: activeScenario + 1 })),
            interTiers: c.interTiers,
            riskMaintenance: c.riskMaintenance,
            riskInitial: c.riskInitial,
          })),
        },
      };
    },
  };
  return self;
}
