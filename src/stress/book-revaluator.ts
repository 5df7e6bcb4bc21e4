import type { ModelContext } from '../models/margin-model.js';
import { buildBook, type Book } from '../portfolio/book.js';
import { aggregateKernelBlocked } from '../portfolio/aggregate-kernel-blocked.js';
import type { ResolvedPortfolio } from '../portfolio/resolve-portfolio.js';
import { compileRevaluation } from '../revaluation/compile-revaluation.js';
import type { RevaluationPlan } from '../revaluation/revaluation-plan.js';
import { revalueKernelFast, revaluationScratchLength } from '../revaluation/revalue-kernel-fast.js';
import type { ScenarioSet } from '../scenarios/scenario-set.js';

/** Largest log move a reverse-stress search tries per underlying: ±ln 1000 (price ÷ 1000 or × 1000). */
export const MAX_LOG_MOVE = Math.log(1000);

/**
 * Full revaluation of one account's book (collateral included) at arbitrary joint moves, for the reverse-stress
 * searches: the plan is compiled once (market look-ups and their errors happen here), then each batch of moves is a
 * small scenario set through revalueKernelFast and aggregateKernelBlocked — the same pipeline as the stress scenarios, so
 * option convexity is priced exactly, not by greeks.
 *
 * Moves are **log moves** per underlying (x = ln(P₁/P₀)); vols and time stay as today.
 */
export class BookRevaluator {
  readonly underlyings: readonly string[];
  private readonly plan: RevaluationPlan;
  private readonly book: Book;
  private readonly sets = new Map<number, { set: ScenarioSet; pnl: Float64Array; scratch: Float64Array }>();
  private readonly one = new Float64Array(1);

  constructor(portfolio: ResolvedPortfolio, context: ModelContext, underlyings: readonly string[]) {
    this.underlyings = [...underlyings];
    const local = new Map<number, number>();
    for (const p of portfolio.positions) if (!local.has(p.instrument)) local.set(p.instrument, local.size);
    const ids = [...local.keys()];
    const specs = ids.map((id) => context.instruments.spec(id));
    const fieldOf = (i: number): string => context.fieldOf?.(ids[i] as number) ?? `instruments.${i}`;
    this.plan = compileRevaluation(specs, context.market, { underlyings: this.underlyings }, fieldOf);
    this.book = buildBook(
      1,
      portfolio.positions.map((p) => ({
        row: 0,
        instrument: local.get(p.instrument) as number,
        // Settlement → account currency at today's rates, as aggregatePortfolio weights every scenario model's book.
        weight: p.quantity * context.market.fxRate(context.instruments.spec(p.instrument).currency, portfolio.currency),
      })),
    );
  }

  private buffers(count: number): { set: ScenarioSet; pnl: Float64Array; scratch: Float64Array } {
    let b = this.sets.get(count);
    if (b === undefined) {
      const n = this.underlyings.length;
      const set: ScenarioSet = {
        count,
        underlyings: this.underlyings,
        ids: Array.from({ length: count }, (_, s) => String(s)),
        labels: Array.from({ length: count }, (_, s) => String(s)),
        priceMove: new Float64Array(n * count),
        volShift: new Float64Array(n * count),
        volShiftMode: 'relative',
        timeStep: new Float64Array(count),
        weight: new Float64Array(count).fill(1),
      };
      b = { set, pnl: new Float64Array(this.plan.instrumentCount * count), scratch: new Float64Array(revaluationScratchLength(set)) };
      this.sets.set(count, b);
    }
    return b;
  }

  /**
   * Account P&L (account currency, gain positive) at `count` points; point s has log moves x[s·n … s·n + n − 1]
   * (n = underlyings). Writes out[0 … count − 1]. Buffers are cached per batch size, so repeated calls do not allocate.
   */
  evaluate(x: Float64Array, count: number, out: Float64Array): void {
    const n = this.underlyings.length;
    const { set, pnl, scratch } = this.buffers(count);
    const move = set.priceMove as Float64Array;
    for (let s = 0; s < count; s++) {
      for (let u = 0; u < n; u++) {
        const xu = Math.max(-MAX_LOG_MOVE, Math.min(MAX_LOG_MOVE, x[s * n + u] as number));
        move[u * count + s] = Math.expm1(xu);
      }
    }
    revalueKernelFast(this.plan, set, pnl, scratch);
    aggregateKernelBlocked(this.book, pnl, count, out);
  }

  /** P&L at one point. */
  pnlAt(x: Float64Array): number {
    this.evaluate(x, 1, this.one);
    return this.one[0] as number;
  }
}
