import { tailMass, varRank } from '../../core/tail-count.js';
import { lowestScenarioIndices, tailMeasuresScratchLength } from '../../risk/tail-measures.js';

/**
 * The tail of one P&L vector under the engine's quantile convention (DESIGN.md "Quantiles", var-es.md §1), with
 * what Euler allocation needs: which scenarios make up VaR and ES and with what weight.
 *
 * VaR_α = loss at the k-th worst scenario, k = ⌈(1−α)N⌉. ES_α = Σ weight_i × loss_i / m with m = (1−α)N, the
 * ⌊m⌋ worst at weight 1 and the next at m − ⌊m⌋. Euler contributions of a position are then its own loss at the
 * VaR scenario, or its weighted tail-average loss, and they add up to VaR / ES exactly (the measures are
 * homogeneous of degree one in the positions).
 */
export interface Tail {
  readonly var: number;
  readonly es: number;
  /** Scenario index (0-based) of the VaR scenario. */
  readonly varScenario: number;
  /** Scenarios in the ES tail, worst first, and their weights (sum = m). */
  readonly esScenarios: Int32Array;
  readonly esWeights: Float64Array;
  readonly tailMass: number;
}

/**
 * Indices of the `count` lowest values of pnl[offset..offset+n), lowest first (ties: lower index first), by the
 * threshold filter of risk/tail-measures.ts. `scratch` is used when it has tailMeasuresScratchLength(n) entries,
 * else a buffer is allocated for the call.
 */
export function lowestScenarios(pnl: Float64Array, offset: number, n: number, count: number, scratch: Float64Array): Int32Array {
  const c = Math.min(count, n);
  if (c <= 0) return new Int32Array(0);
  const needed = tailMeasuresScratchLength(n);
  const work = scratch.length >= needed ? scratch : new Float64Array(needed);
  const out = new Int32Array(c);
  lowestScenarioIndices(pnl, offset, n, c, work, out);
  return out;
}

export function tailOf(pnl: Float64Array, offset: number, n: number, alpha: number, scratch: Float64Array): Tail {
  const k = varRank(alpha, n);
  const m = Math.min(n, tailMass(alpha, n));
  const whole = Math.floor(m);
  const size = Math.max(k, Math.min(n, whole + (m > whole ? 1 : 0)), 1);
  const order = lowestScenarios(pnl, offset, n, size, scratch);
  const varScenario = order[k - 1]!;
  const esCount = m <= 0 ? 1 : Math.min(n, whole + (m > whole ? 1 : 0));
  const esScenarios = order.slice(0, esCount);
  const esWeights = new Float64Array(esCount);
  let weighted = 0;
  for (let i = 0; i < esCount; i++) {
    esWeights[i] = m <= 0 ? 1 : i < whole ? 1 : m - whole;
    weighted += esWeights[i]! * -pnl[offset + esScenarios[i]!]!;
  }
  const mass = m <= 0 ? 1 : m;
  return { var: 0 - pnl[offset + varScenario]!, es: weighted / mass, varScenario, esScenarios, esWeights, tailMass: mass };
}
