import { z } from 'zod';
import { buildMonteCarloScenarios } from '../../scenarios/monte-carlo/monte-carlo-scenarios.js';
import type { ScenarioSet } from '../../scenarios/scenario-set.js';
import type { ModelContext } from '../margin-model.js';
import { covarianceInputs } from './covariance-inputs.js';
import { scenarioVarModel, type ScenarioRequest } from './scenario-var-model.js';
import { varParameterDocs, varParamsSchema, type VarParams } from './var-params.js';

const DEFAULTS = { confidence: 0.975, lookback: 500, measure: 'es' } as const;

const MC_EXTRA = {
  paths: z.number().int().min(100).max(1_000_000).default(10_000),
  seed: z.number().int().min(0).default(20261121),
  distribution: z.enum(['normal', 't']).default('normal'),
  /** Student-t degrees of freedom (> 2), unit-variance scaled. */
  dof: z.number().finite().gt(2).default(5),
  covariance: z.enum(['ewma', 'sample']).default('ewma'),
  factor: z.strictObject({ underlying: z.string().min(1) }).optional(),
  /** Worker threads for path generation; results do not depend on it. */
  threads: z.number().int().min(1).max(64).default(1),
  /** log: move = e^x − 1 (prices stay positive); simple: move = x, the parametric methods' return model. */
  returns: z.enum(['log', 'simple']).default('log'),
};

export type McParams = VarParams & {
  paths: number;
  seed: number;
  distribution: 'normal' | 't';
  dof: number;
  covariance: 'ewma' | 'sample';
  factor?: { underlying: string } | undefined;
  threads: number;
  returns: 'log' | 'simple';
};

/**
 * Monte Carlo (var-es.md §5): seeded multivariate normal or Student-t paths through the Cholesky factor, over the
 * price factors and the implied-vol factors (vol-factors.ts); a vol factor's draw becomes its underlying's relative
 * vol shift, so options' vega risk is simulated jointly with the prices.
 */
function monteCarloSource(params: McParams, context: ModelContext, request: ScenarioRequest): ScenarioSet {
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
export const mcEsModel = scenarioVarModel<McParams>({
  id: 'mc-es',
  description: 'Monte Carlo ES: seeded normal or Student-t paths from history-estimated vols and correlations (or a BTC factor)',
  paramsSchema: varParamsSchema(DEFAULTS, MC_EXTRA) as unknown as z.ZodType<McParams>,
  parameters: [
    ...varParameterDocs(DEFAULTS),
    { name: 'paths', description: 'Monte Carlo paths', default: '10000' },
    { name: 'seed', description: 'seed of the counter-based generator', default: '20261121' },
    { name: 'distribution', description: 'normal | t', default: '"normal"' },
    { name: 'dof', description: 'Student-t degrees of freedom', default: '5' },
    { name: 'covariance', description: 'ewma | sample', default: '"ewma"' },
    { name: 'factor', description: '{ underlying: "BTC" }: altcoins as beta × BTC + idiosyncratic', default: 'none' },
    { name: 'threads', description: 'worker threads (same result for any count)', default: '1' },
    { name: 'returns', description: 'log (e^x − 1) | simple (x, as parametric)', default: '"log"' },
  ],
  source: monteCarloSource,
});
