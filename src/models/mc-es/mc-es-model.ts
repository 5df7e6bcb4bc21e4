import { buildMonteCarloScenarios } from '../../scenarios/monte-carlo/monte-carlo-scenarios.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { HistoryContext } from '../margin-model.js';
import { covarianceInputs } from '../var/covariance-inputs.js';
import { scenarioVarModel, type ScenarioRequest } from '../var/scenario-var-model.js';
import { McEsParamsSchema, type McEsParams } from './mc-es-params.js';

/**
 * Monte Carlo (var-es.md §5): seeded multivariate normal or Student-t paths through the Cholesky factor, over the
 * price factors and the implied-vol factors (vol-factors.ts); a vol factor's draw becomes its underlying's relative
 * vol shift, so options' vega risk is simulated jointly with the prices.
 */
function monteCarloSource(params: McEsParams, context: HistoryContext, request: ScenarioRequest): ScenarioSet {
  const inputs = covarianceInputs(context, params, request);
  const draws = buildMonteCarloScenarios({
    underlyings: [...inputs.underlyings, ...inputs.volFactors.map((f) => `${f.underlying}:vol`)],
    vols: inputs.vols,
    ...(inputs.factor === undefined
      ? { correlation: inputs.correlation }
      : { factor: { betas: inputs.factor.betas, residualVols: inputs.factor.residualVols, factorVol: inputs.factor.factorVol, factorIndex: inputs.factor.factorIndex } }),
    paths: params.paths,
    seed: params.seed,
    distribution: params.distribution,
    dof: params.dof,
    horizonDays: params.mpor,
    threads: params.threads,
    returns: params.returns,
  });
  return splitVolFactors(draws, inputs.underlyings, inputs.volFactors.map((f) => f.underlying));
}

/** Price factors keep their moves; each `U:vol` factor's move (e^x − 1, a relative change) becomes U's vol shift. */
function splitVolFactors(draws: ScenarioSet, underlyings: readonly string[], volOf: readonly string[]): ScenarioSet {
  const count = draws.count;
  const n = underlyings.length;
  const volShift = new Float64Array(n * count);
  volOf.forEach((u, v) => volShift.set(draws.priceMove.subarray((n + v) * count, (n + v + 1) * count), underlyings.indexOf(u) * count));
  return { ...draws, underlyings, priceMove: draws.priceMove.slice(0, n * count), volShift, volShiftMode: 'relative' };
}

/** `mc-es`: Monte Carlo ES (default 97.5 %, 10,000 paths, EWMA vols/correlations over 500 days, 2-day MPOR). */
export const mcEsModel = scenarioVarModel({
  id: 'mc-es',
  description: 'Monte Carlo ES: seeded normal or Student-t paths from history-estimated vols and correlations (or a BTC factor)',
  paramsSchema: McEsParamsSchema,
  source: monteCarloSource,
});
