import { CrossmarginError } from '../core/errors.js';
import type { InstrumentSpec } from '../instruments/instrument-spec.js';
import { InstrumentTable } from '../instruments/instrument-table.js';
import type { MarketSnapshot } from '../market/market-snapshot.js';
import { resolvePortfolio, type ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';
import { computeMargins, type PortfolioInput } from '../models/compute-margin.js';
import { getModel } from '../models/model-registry.js';
import type { MarginComponent, MarginResult } from '../models/margin-result.js';
import { agreementRiskFiles, parseAgreement, type Agreement, type PairSide } from './agreement-schema.js';
import { classifyPositions } from './classify-positions.js';

export interface ComputeAgreementMarginOptions {
  /** Name of the agreement input for messages (a file path); default `agreement`. */
  readonly agreementSource?: string;
  /**
   * The risk-parameter documents of the refs that name a `riskFile` (agreementRiskFiles), keyed by the ref's path
   * (`markets.CME`, `joint`): the face reads the files (an exchange's SPAN file imported to the engine's form).
   */
  readonly riskParameters?: Readonly<Record<string, unknown>>;
}

/**
 * The instruments the agreement's risk-parameter files define (SPAN contracts by symbol), so that the portfolio's
 * positions resolve to them before they are classified into markets. Every file named must have been loaded; two
 * files defining one symbol differently are refused (a position must mean one contract).
 */
function riskFileCatalogue(agreement: Agreement, agreementSource: string, loaded: Readonly<Record<string, unknown>>): ReadonlyMap<string, InstrumentSpec> | undefined {
  const files = agreementRiskFiles(agreement);
  if (files.length === 0) return undefined;
  const catalogue = new Map<string, InstrumentSpec>();
  for (const { path, file, model } of files) {
    // Named as parseAgreement names fields: the path inside the agreement, the file in the message.
    const field = `${path}.riskFile`;
    const document = loaded[path];
    if (document === undefined) {
      throw new CrossmarginError('MODEL_PARAMS_INVALID', `${agreementSource}: ${field}: "${file}" was not loaded (the caller hands its document as riskParameters["${path}"])`, { field });
    }
    for (const [symbol, spec] of getModel(model).prepare?.(document, `${agreementSource}: ${field} (${file})`).catalogue ?? []) {
      const known = catalogue.get(symbol);
      if (known !== undefined && JSON.stringify(known) !== JSON.stringify(spec)) {
        throw new CrossmarginError('INSTRUMENT_SPEC_INVALID', `${agreementSource}: ${field}: "${file}" defines ${symbol} differently from another risk file of the agreement`, { field, details: { symbol } });
      }
      catalogue.set(symbol, spec);
    }
  }
  return catalogue;
}

/** An amount at both margin levels, account currency. */
export interface MarginPair {
  readonly initial: number;
  readonly maintenance: number;
}

/**
 * Margin of one portfolio under a cross-margining agreement (docs/models/agreement.md):
 *
 * ```
 * standalone_m = market m's model on all of m's positions
 * joint        = joint model on the eligible positions of all markets + Σ_m market m's model on m's non-eligible positions
 * relief       = max(0, Σ_m standalone_m − joint)
 * cap          = share × Σ_m (market m's model on m's eligible positions)   (cap.of = "standalone", default)
 *              = share × relief                                             (cap.of = "benefit", EMIR Art 27(4))
 * margin       = Σ_m standalone_m − min(relief, cap)
 * ```
 *
 * separately for initial and maintenance margin. Every sub-computation goes through computeMargins, one compile
 * per market (its standalone, eligible and non-eligible books share one revaluation) and one for the joint model.
 * `agreement` is the parsed JSON of an agreement file; problems with it are MODEL_PARAMS_INVALID naming the field.
 */
export function computeAgreementMargin(
  portfolio: PortfolioInput,
  market: MarketSnapshot,
  agreement: unknown,
  options: ComputeAgreementMarginOptions = {},
): MarginResult {
  const agreementSource = options.agreementSource ?? 'agreement';
  const parsed = parseAgreement(agreement, agreementSource);
  const table = new InstrumentTable();
  const resolved = resolvePortfolio(portfolio.document, table, portfolio.source, riskFileCatalogue(parsed, agreementSource, options.riskParameters ?? {}));
  const named = (field: string): string => (portfolio.source === undefined ? field : `${portfolio.source}: ${field}`);
  const inputs = resolved.positions.map((p) => ({ spec: table.spec(p.instrument), quantity: p.quantity, field: named(p.field) }));
  const classes = classifyPositions(inputs, parsed, agreementSource);
  const runner = new SubRunner(resolved, inputs, market, agreementSource, portfolio.source, options.riskParameters ?? {});

  const marketIds = Object.keys(parsed.markets);
  const indices = inputs.map((_, i) => i);
  const standalone: Record<string, MarginPair> = {};
  const standaloneEligible: Record<string, MarginPair> = {};
  const nonEligible: Record<string, MarginPair> = {};
  const contribution = new Float64Array(inputs.length);
  for (const id of marketIds) {
    const m = parsed.markets[id]!;
    const all = indices.filter((i) => classes.market[i] === id);
    const eligible = all.filter((i) => classes.eligible[i]);
    const rest = all.filter((i) => !classes.eligible[i]);
    const [whole, eligiblePart, restPart] = runner.run([all, eligible, rest], m, `markets.${id}`);
    standalone[id] = levels(whole);
    standaloneEligible[id] = levels(eligiblePart);
    nonEligible[id] = levels(restPart);
    if (whole !== undefined) assignContributions(whole, all, inputs, contribution);
  }
  const eligibleAll = indices.filter((i) => classes.eligible[i]);
  const [jointResult] = runner.run([eligibleAll], parsed.joint, 'joint');
  const jointEligible = levels(jointResult);

  const sum = (pairs: readonly MarginPair[]): MarginPair => ({
    initial: pairs.reduce((a, p) => a + p.initial, 0),
    maintenance: pairs.reduce((a, p) => a + p.maintenance, 0),
  });
  const total = sum(marketIds.map((id) => standalone[id]!));
  const joint = sum([jointEligible, ...marketIds.map((id) => nonEligible[id]!)]);
  const eligibleStandalone = sum(marketIds.map((id) => standaloneEligible[id]!));
  const { share, of } = parsed.cap;
  const atLevel = (level: keyof MarginPair) => {
    const relief = Math.max(0, total[level] - joint[level]);
    const capBase = of === 'standalone' ? eligibleStandalone[level] : relief;
    const cap = share * capBase;
    const applied = Math.min(relief, cap);
    // Clamp: Σ − (Σ − joint) can round a hair below zero when the joint margin is tiny.
    return { relief, capBase, cap, applied, margin: Math.max(0, total[level] - applied) + 0 };
  };
  const im = atLevel('initial');
  const mm = atLevel('maintenance');

  const symbols = inputs.map((p) => p.spec.symbol);
  const marketOfSymbol: Record<string, string> = {};
  inputs.forEach((p, i) => {
    marketOfSymbol[p.spec.symbol] = classes.market[i]!;
  });
  const eligibleSymbols = [...new Set(eligibleAll.map((i) => symbols[i]!))].sort();
  const group = parsed.name;
  // Components at initial-margin level (the amount to post): initialMargin = Σ standaloneMargin − agreementRelief.
  const components: MarginComponent[] = [
    ...marketIds.map((id) => ({ name: 'standaloneMargin', group: id, value: standalone[id]!.initial })),
    { name: 'jointMargin', group: 'joint', value: joint.initial },
    { name: 'agreementRelief', group, value: im.applied },
    { name: 'reliefCap', group, value: im.cap },
  ];
  const worst = jointResult?.worstScenario;
  return {
    model: 'agreement',
    account: resolved.account,
    currency: resolved.currency,
    initialMargin: im.margin,
    maintenanceMargin: mm.margin,
    components,
    ...(worst === undefined ? {} : { worstScenario: { ...worst, label: `joint: ${worst.label}` } }),
    positions: inputs.map((p, i) => ({ instrument: p.spec.symbol, quantity: p.quantity, contribution: contribution[i]! + 0 })),
    details: {
      agreement: parsed.name,
      standalone,
      joint: { ...joint, eligible: jointEligible, nonEligible },
      relief: { initial: im.relief, maintenance: mm.relief },
      cap: { initial: im.cap, maintenance: mm.cap },
      capRule: { share, of, base: { initial: im.capBase, maintenance: mm.capBase } },
      standaloneEligible,
      reliefApplied: { initial: im.applied, maintenance: mm.applied },
      eligible: eligibleSymbols,
      markets: marketOfSymbol,
      pairs: parsed.eligiblePairs.map((pair, k) => ({
        a: describeSide(pair.a),
        b: describeSide(pair.b),
        active: classes.pairs[k]!.active,
        aPositions: [...new Set(classes.pairs[k]!.a.map((i) => symbols[i]!))],
        bPositions: [...new Set(classes.pairs[k]!.b.map((i) => symbols[i]!))],
      })),
    },
  };
}

function levels(result: MarginResult | undefined): MarginPair {
  return result === undefined ? { initial: 0, maintenance: 0 } : { initial: result.initialMargin, maintenance: result.maintenanceMargin };
}

/** `CME underlying=SPX kind=future`: a pair side as one readable line for details. */
function describeSide(side: PairSide): string {
  const fields = (['symbol', 'underlying', 'kind', 'settlement'] as const).flatMap((f) => (side[f] === undefined ? [] : [`${f}=${side[f]}`]));
  return [side.market, ...fields].join(' ');
}

/**
 * Contributions come from the market's standalone result: each result position is matched to the next unused
 * sub-portfolio position with the same symbol (a model may list positions in its own order).
 */
function assignContributions(result: MarginResult, subset: readonly number[], inputs: readonly { spec: InstrumentSpec }[], out: Float64Array): void {
  const queues = new Map<string, number[]>();
  for (const i of subset) {
    const symbol = inputs[i]!.spec.symbol;
    const queue = queues.get(symbol) ?? [];
    queue.push(i);
    queues.set(symbol, queue);
  }
  for (const p of result.positions) {
    const i = queues.get(p.instrument)?.shift();
    if (i !== undefined) out[i] = p.contribution;
  }
}

/**
 * Runs sub-portfolios through computeMargins. Sub-portfolios hold the positions' resolved specs (so every model
 * sees exactly the contract the agreement classified) and are labelled with a marker source; an error raised inside
 * is re-stated with the original portfolio's source and position index (`portfolio.json: positions.3.instrument`)
 * and says which part of the agreement was being computed.
 */
class SubRunner {
  constructor(
    private readonly portfolio: ResolvedPortfolio,
    private readonly inputs: readonly { spec: InstrumentSpec; quantity: number }[],
    private readonly market: MarketSnapshot,
    private readonly agreementSource: string,
    private readonly portfolioSource: string | undefined,
    private readonly riskParameters: Readonly<Record<string, unknown>>,
  ) {}

  /** One result per subset (undefined for an empty subset, which needs no margin and no compile). */
  run(subsets: readonly (readonly number[])[], ref: Agreement['joint'], path: string): (MarginResult | undefined)[] {
    const live = subsets.flatMap((s, k) => (s.length === 0 ? [] : [k]));
    if (live.length === 0) return subsets.map(() => undefined);
    // A source no real input has, so that the re-statement below rewrites only what these sub-portfolios produced.
    const marker = (k: number): string => `«agreement sub-portfolio ${k}»`;
    const documents: PortfolioInput[] = live.map((k) => ({
      source: marker(k),
      document: {
        account: this.portfolio.account,
        currency: this.portfolio.currency,
        mode: this.portfolio.mode,
        collateral: this.portfolio.collateral,
        positions: subsets[k]!.map((i) => ({ instrument: this.inputs[i]!.spec, quantity: this.inputs[i]!.quantity })),
      },
    }));
    let results: MarginResult[];
    try {
      results = computeMargins(documents, this.market, ref.model, this.optionsOf(ref, path));
    } catch (error) {
      if (!(error instanceof CrossmarginError)) throw error;
      throw this.restate(error, live.map((k) => ({ marker: marker(k), subset: subsets[k]! })), `${path}, model ${ref.model}`);
    }
    return subsets.map((_, k) => {
      const at = live.indexOf(k);
      return at < 0 ? undefined : results[at];
    });
  }

  private optionsOf(ref: Agreement['joint'], path: string): { params: unknown; paramsSource: string; riskParameters?: unknown; riskParametersSource?: string } {
    const risk = ref.riskFile === undefined ? undefined : this.riskParameters[path];
    return {
      params: ref.params ?? {},
      paramsSource: `${this.agreementSource}: ${path}.params`,
      ...(risk === undefined ? {} : { riskParameters: risk, riskParametersSource: `${this.agreementSource}: ${path}.riskFile (${ref.riskFile ?? ''})` }),
    };
  }

  private restate(error: CrossmarginError, subs: readonly { marker: string; subset: readonly number[] }[], part: string): CrossmarginError {
    const prefix = this.portfolioSource === undefined ? '' : `${this.portfolioSource}: `;
    const rewrite = (text: string): string => {
      let out = text;
      for (const { marker, subset } of subs) {
        out = out.replace(new RegExp(`${marker}: positions\\.(\\d+)`, 'g'), (_, d: string) => `${prefix}positions.${subset[Number(d)] ?? d}`);
        out = out.split(`${marker}: `).join(prefix).split(marker).join(this.portfolioSource ?? 'portfolio');
      }
      return out;
    };
    return new CrossmarginError(error.code, `${rewrite(error.message)} (computing ${this.agreementSource}: ${part})`, {
      ...(error.field === undefined ? {} : { field: rewrite(error.field) }),
      ...(error.details === undefined
        ? {}
        : { details: Object.fromEntries(Object.entries(error.details).map(([k, v]) => [k, typeof v === 'string' ? rewrite(v) : v])) }),
      cause: error,
    });
  }
}
