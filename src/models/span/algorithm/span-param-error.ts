import { CrossmarginError } from '../../../core/errors.js';

/**
 * The one way the SPAN algorithm reports bad parameters: a `MODEL_PARAMS_INVALID` error naming the field
 * (`combinedCommodities.ES.intraSpreads.0.legs.1.ratio`), so loaders and faces show where the file is wrong.
 */
export function spanParamError(field: string, message: string): CrossmarginError {
  return new CrossmarginError('MODEL_PARAMS_INVALID', `SPAN parameters: ${field}: ${message}`, { field });
}
