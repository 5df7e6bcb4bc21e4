import { CrossmarginError } from '../../core/errors.js';
import { logReturns } from '../../market/log-returns.js';
import { loadMarketHistory } from '../../scenarios/history/load-market-history.js';
import { evaluateForecasters, type EvaluateForecastersOptions, type VolForecastEvaluation } from './evaluate-forecasters.js';
import { ewmaForecaster, garchForecaster, gbtForecaster, harForecaster, type VolForecaster } from './vol-forecaster.js';

/** The standard line-up of docs/vol-forecasts.md: EWMA 0.94 (the benchmark), GARCH(1,1), log-HAR, level-HAR, GBT. */
export function defaultVolForecasters(): VolForecaster[] {
  return [ewmaForecaster(), garchForecaster(), harForecaster(), harForecaster({ transform: 'level' }), gbtForecaster()];
}

export interface VolForecastReport {
  readonly underlying: string;
  /** Date of the first evaluated return (its close), and of the last. */
  readonly from: string;
  readonly to: string;
  readonly evaluation: VolForecastEvaluation;
}

/**
 * Loads `underlying`'s daily history (loadMarketHistory: catalogue or `specs`), takes its log returns and runs
 * evaluateForecasters on them (default line-up: defaultVolForecasters()). Return r_j ends on date j + 1, so the first
 * evaluated return is dated dates[first + 1].
 */
export function volForecastReport(
  underlying: string,
  options: EvaluateForecastersOptions,
  forecasters: readonly VolForecaster[] = defaultVolForecasters(),
  specs: readonly string[] = [],
): VolForecastReport {
  const history = loadMarketHistory([underlying], specs);
  const close = history.close[0];
  if (close === undefined) throw new CrossmarginError('INTERNAL', `${underlying}: history has no close series`, { field: underlying });
  const evaluation = evaluateForecasters(logReturns(close), forecasters, options);
  return {
    underlying,
    from: history.dates[evaluation.first + 1] as string,
    to: history.dates[history.dates.length - 1] as string,
    evaluation,
  };
}
