import { CrossmarginError } from '../core/errors.js';
import type { ParameterSet, UnderlyingScanRange } from './parameter-set.js';

/** The scan range of one underlying; MODEL_PARAMS_INVALID naming the underlying when the set does not calibrate it. */
export function scanRangeOf(set: ParameterSet, underlying: string): UnderlyingScanRange {
  const s = set.scanRanges.underlyings[underlying];
  if (s === undefined) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${underlying}: not calibrated in parameter set v${set.version} (has ${set.createdFrom.underlyings.join(', ')})`, {
      field: underlying,
    });
  }
  return s;
}

/** Per-underlying fragments of the three scan-based models' params, ready to merge into a params file. */
export interface CalibratedModelParams {
  /** span params (models/span/span-params.ts): `underlyings[u] = { priceScanRange, volScanRange }`. */
  readonly span: { readonly underlyings: Record<string, { readonly priceScanRange: number; readonly volScanRange: number }> };
  /** tims params (models/tims/tims-params.ts): `classGroups[u] = { priceRange }`. */
  readonly tims: { readonly classGroups: Record<string, { readonly priceRange: number }> };
  /** scenario-grid params (models/scenario-grid/scenario-grid-params.ts): `underlyings[u] = { priceRange }`. */
  readonly scenarioGrid: { readonly underlyings: Record<string, { readonly priceRange: number }> };
}

/**
 * The calibrated (APC, rounded, capped) scan ranges of `set` as model params: each object parses with the model's
 * schema as it is, or merged into an existing params file. Only the listed `underlyings` (default: all of the set).
 */
export function modelParamsFromCalibration(set: ParameterSet, underlyings: readonly string[] = set.createdFrom.underlyings): CalibratedModelParams {
  const span: CalibratedModelParams['span']['underlyings'] = {};
  const tims: CalibratedModelParams['tims']['classGroups'] = {};
  const grid: CalibratedModelParams['scenarioGrid']['underlyings'] = {};
  for (const u of underlyings) {
    const s = scanRangeOf(set, u);
    span[u] = { priceScanRange: s.span.priceScanRange, volScanRange: s.span.volScanRange };
    tims[u] = { priceRange: s.tims.priceRange };
    grid[u] = { priceRange: s.scenarioGrid.priceRange };
  }
  return { span: { underlyings: span }, tims: { classGroups: tims }, scenarioGrid: { underlyings: grid } };
}
