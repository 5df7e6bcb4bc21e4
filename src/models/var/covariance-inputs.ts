import { correlationFromCovariance, ewmaCovariance, sampleCovariance } from '../../numerics/covariance.js';
import { estimateFactorModel, type FactorModelEstimate } from '../../scenarios/monte-carlo/factor-model.js';
import { CrossmarginError } from '../../core/errors.js';
import type { HistoryContext } from '../margin-model.js';
import { riskUnderlyings } from '../scenario-pipeline.js';
import { historyReturns } from './history-returns.js';
import { volFactors, type VolFactor } from './vol-factors.js';
import type { ScenarioRequest } from './scenario-var-model.js';

/** How parametric and Monte Carlo models estimate daily vols and dependence from history (var-es.md §6–§7). */
export interface CovarianceSettings {
  readonly covariance: 'ewma' | 'sample';
  readonly decay: number;
  /** Implied-vol factors beside the prices (vol-factors.ts); ignored with a factor model (prices only). */
  readonly volMoves: 'index' | 'realised' | 'none';
  /** Altcoins as beta × factor + idiosyncratic part; the factor must be one of the book's underlyings. */
  readonly factor?: { readonly underlying: string } | undefined;
}

export interface CovarianceInputs {
  readonly underlyings: readonly string[];
  /** The implied-vol factors after the price factors (same order as their underlyings' first appearance). */
  readonly volFactors: readonly VolFactor[];
  /** Daily covariance of the n price log returns then the m vol log changes, (n+m)², row-major. */
  readonly covariance: Float64Array;
  readonly vols: Float64Array;
  readonly correlation: Float64Array;
  readonly factor?: FactorModelEstimate;
  readonly days: number;
}

/**
 * Daily vols and correlations of the book's underlyings over the request's days: EWMA (λ = decay, RiskMetrics
 * seeding) or sample; with a factor, the covariance implied by β βᵀ σ_F² + diag(σ_ε²) from OLS betas (vols stay
 * each underlying's own), so an altcoin book's dependence on bitcoin is explicit.
 */
export function covarianceInputs(context: HistoryContext, settings: CovarianceSettings, request: ScenarioRequest): CovarianceInputs {
  const underlyings = riskUnderlyings(context);
  const vols = settings.factor === undefined ? volFactors(context.history, underlyings, settings.volMoves) : [];
  const n = underlyings.length + vols.length;
  const { returns, days } = historyReturns(context.history, underlyings, request, vols);
  // The 10-year floor (EMIR Art 28(c)) and a stressed window are about the volatility OVER that period: an EWMA
  // would forget all but its last weeks, so those requests always use the sample covariance.
  const useEwma = settings.covariance === 'ewma' && request.kind === 'current';
  const covariance = useEwma ? ewmaCovariance(returns, days, n, settings.decay) : sampleCovariance(returns, days, n);
  const sigma = Float64Array.from({ length: n }, (_, i) => Math.sqrt(covariance[i * n + i]!));
  if (settings.factor === undefined) return { underlyings, volFactors: vols, covariance, vols: sigma, correlation: correlationFromCovariance(covariance, n), days };
  const factorIndex = underlyings.indexOf(settings.factor.underlying);
  if (factorIndex < 0) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `factor.underlying: ${settings.factor.underlying} is not an underlying of the book (${underlyings.join(', ')})`, {
      field: 'factor.underlying',
    });
  }
  const factor = estimateFactorModel(returns, days, n, factorIndex);
  // Correlation implied by the factor model; each underlying keeps its own (EWMA or sample) vol.
  const implied = new Float64Array(n * n);
  const total = Float64Array.from({ length: n }, (_, i) => Math.sqrt(factor.betas[i]! ** 2 * factor.factorVol ** 2 + factor.residualVols[i]! ** 2));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      implied[i * n + j] = i === j ? 1 : (factor.betas[i]! * factor.betas[j]! * factor.factorVol ** 2) / (total[i]! * total[j]!);
    }
  }
  const factorCov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) factorCov[i * n + j] = implied[i * n + j]! * sigma[i]! * sigma[j]!;
  return { underlyings, volFactors: [], covariance: factorCov, vols: sigma, correlation: implied, factor, days };
}
