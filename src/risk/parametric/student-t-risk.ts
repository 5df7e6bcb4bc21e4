import tPdf from '@stdlib/stats-base-dists-t-pdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { CrossmarginError } from '../../core/errors.js';

/**
 * Student-t VaR and ES factors (methods/var-es.md §4 "Student-t"), for a loss distributed as σ·T with T Student-t:
 *
 *   standard t_ν:  VaR = q = t_ν⁻¹(α),  ES = f_ν(q)/(1−α) · (ν + q²)/(ν − 1)          (ν > 1)
 *   unit variance: both × √((ν−2)/ν), so σ is the loss's standard deviation           (ν > 2)
 *
 * Checks: standard t₃, α = 0.99 → ES = 7.0030820359; unit-variance ν = 4, α = 0.99 → VaR 2.6494919068, ES 3.6915104857.
 * Non-integer ν is fine (the quantile and density are @stdlib's regularised-beta based implementations).
 */
export interface StudentTRisk {
  /** VaR in units of the scale (σ for unit variance). */
  readonly valueAtRisk: number;
  /** ES in the same units. */
  readonly expectedShortfall: number;
}

export interface StudentTRiskOptions {
  /** true (default): scale to unit variance, so σ is a standard deviation (needs ν > 2). false: standard t_ν. */
  readonly unitVariance?: boolean;
  /** Field named in errors for ν. Default "dof". */
  readonly field?: string;
}

export function studentTRisk(nu: number, alpha: number, options: StudentTRiskOptions = {}): StudentTRisk {
  const unitVariance = options.unitVariance ?? true;
  const field = options.field ?? 'dof';
  const minNu = unitVariance ? 2 : 1;
  if (!(Number.isFinite(nu) && nu > minNu)) {
    throw new CrossmarginError('MODEL_PARAMS_INVALID', `${field}: Student-t ${unitVariance ? 'unit-variance VaR/ES needs ν > 2' : 'ES needs ν > 1'}, got ${nu}`, { field });
  }
  if (!(alpha > 0 && alpha < 1)) throw new CrossmarginError('MODEL_PARAMS_INVALID', `alpha: confidence must be in (0, 1), got ${alpha}`, { field: 'alpha' });
  const q = tQuantile(alpha, nu);
  const es = ((tPdf(q, nu) / (1 - alpha)) * (nu + q * q)) / (nu - 1);
  const scale = unitVariance ? Math.sqrt((nu - 2) / nu) : 1;
  return { valueAtRisk: q * scale, expectedShortfall: es * scale };
}
