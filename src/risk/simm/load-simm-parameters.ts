import { join } from 'node:path';
import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';
import { packageRoot } from '../../market/package-root.js';
import { parseJsonText, readTextFile } from '../../market/read-input-file.js';
import { SIMM_MPORS, SimmParameterFileSchema, SimmParametersSchema, type SimmMpor, type SimmParameters, type SimmVersion } from './simm-parameters.js';

/** Versions whose parameter file is bundled (data/simm/simm-<version>.json); any other is refused like an unknown version. */
export const BUNDLED_SIMM_VERSIONS: readonly SimmVersion[] = ['2.5', '2.6'];

/** Bundled parameter file of a SIMM version, relative to the project root. */
export function simmParameterFile(version: SimmVersion): string {
  return `data/simm/simm-${version}.json`;
}

/**
 * The bundled ISDA SIMM parameters of `version` for the margin period of risk `mpor` (data/simm/, docs/models/simm.md),
 * validated by the schema. An unknown version or period is MODEL_PARAMS_INVALID naming the field.
 */
export function loadSimmParameters(version: SimmVersion, mpor: SimmMpor, root: string = packageRoot()): SimmParameters {
  if (!(BUNDLED_SIMM_VERSIONS as readonly string[]).includes(version)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `version: SIMM version "${String(version)}" is not bundled (bundled: ${BUNDLED_SIMM_VERSIONS.join(', ')})`, {
      field: 'version',
      details: { allowed: BUNDLED_SIMM_VERSIONS },
    });
  }
  if (!(SIMM_MPORS as readonly string[]).includes(mpor)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `mpor: margin period of risk "${String(mpor)}" is not known (known: ${SIMM_MPORS.join(', ')})`, {
      field: 'mpor',
      details: { allowed: SIMM_MPORS },
    });
  }
  const source = join(root, simmParameterFile(version));
  const file = parseWithSchema(SimmParameterFileSchema, parseJsonText(readTextFile(source), source), source);
  if (file.version !== version) {
    throw new CrossmarginError('SCHEMA_INVALID', `${source}: version: file holds SIMM ${file.version}, expected ${version}`, { field: 'version' });
  }
  const common = file.common;
  const period = file.mpor[mpor];
  return parseWithSchema(
    SimmParametersSchema,
    {
      version,
      mpor,
      source: file.source,
      horizonDays: period.horizonDays,
      irTenors: common.irTenors,
      creditTenors: common.creditTenors,
      irSubCurves: common.irSubCurves,
      irVolGroups: common.irVolGroups,
      fxHighVolCurrencies: common.fxHighVolCurrencies,
      riskClassCorrelation: common.riskClassCorrelation,
      concentrationThresholds: period.concentrationThresholds,
      ir: { ...common.ir, ...period.ir },
      creditQ: { ...common.creditQ, ...period.creditQ },
      creditNonQ: { ...common.creditNonQ, ...period.creditNonQ },
      equity: { ...common.equity, ...period.equity },
      commodity: { ...common.commodity, ...period.commodity },
      fx: { ...common.fx, ...period.fx },
    },
    source,
  );
}
