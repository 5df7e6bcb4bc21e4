import { modelsOfParameterSetFile, paramsFromParameterSetFile, parseParameterSetFile, type ParameterSetFile } from '../calibration/parameter-set-file.js';
import { CrossmarginError } from '../core/errors.js';
import { readJsonFile } from '../market/read-input-file.js';

/** `--param-set FILE` of margin, compare, backtest and stress: one help text, one reading of the file. */
export const PARAM_SET_OPTION_HELP =
  'parameter set JSON: the file `crossmargin calibrate --out` writes (scan ranges for span, tims, scenario-grid) or {model, version, params}; over --params (docs/calibration.md "Using a calibrated set")';

const FIELD = '--param-set';

function readParamSet(file: string): ParameterSetFile {
  return parseParameterSetFile(readJsonFile(file), file);
}

/**
 * `computeMargin`'s params options for one model: --params alone, or the --param-set file's params for `model`
 * merged over --params (a set for another model is MODEL_PARAMS_INVALID naming --param-set and both models).
 */
export function paramsForModel(model: string, paramsFile: string | undefined, paramSetFile: string | undefined): { params?: unknown; paramsSource?: string } {
  const base = paramsFile === undefined ? undefined : readJsonFile(paramsFile);
  if (paramSetFile === undefined) return paramsFile === undefined ? {} : { params: base, paramsSource: paramsFile };
  const params = paramsFromParameterSetFile(readParamSet(paramSetFile), model, FIELD, base);
  return { params, paramsSource: paramsFile === undefined ? paramSetFile : `${paramsFile} with ${paramSetFile}` };
}

/**
 * Params by model id for commands that run several models (compare, backtest): the --param-set file's params for
 * each selected model it is for, merged over `base[model]`; the other models keep `base`. A set for none of the
 * selected models is MODEL_PARAMS_INVALID naming --param-set and the models on both sides.
 */
export function paramsByModel(models: readonly string[], base: Readonly<Record<string, unknown>>, paramSetFile: string | undefined): Record<string, unknown> {
  if (paramSetFile === undefined) return { ...base };
  const file = readParamSet(paramSetFile);
  const covered = models.filter((m) => modelsOfParameterSetFile(file).includes(m));
  if (covered.length === 0) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${FIELD}: ${paramSetFile} is for ${modelsOfParameterSetFile(file).join(', ')}, none of the selected models ${models.join(', ')}`, {
      field: FIELD,
      details: { models: [...models], parameterSetModels: [...modelsOfParameterSetFile(file)] },
    });
  }
  const out: Record<string, unknown> = { ...base };
  for (const m of covered) out[m] = paramsFromParameterSetFile(file, m, FIELD, base[m]);
  return out;
}
