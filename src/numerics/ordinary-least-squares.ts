import { CrossmarginError } from '../core/errors.js';

/**
 * Ordinary least squares β = argmin ‖Xβ − y‖² by Householder QR (never the normal equations: squaring the condition
 * number would hurt with variance-sized regressors of order 1e-4 … 1e-8). `design` is row-major rows × cols; add a
 * column of ones yourself for an intercept.
 *
 * Columns are first divided by their Euclidean norm, so the rank test is scale free: a column whose part orthogonal
 * to the earlier columns is below 1e-10 of its own norm counts as collinear and the fit fails with HISTORY_INVALID
 * naming `field` (an all-zero column too). Also HISTORY_INVALID for rows < cols or non-finite values.
 */
export function ordinaryLeastSquares(design: Float64Array, rows: number, cols: number, y: Float64Array, field = 'design'): Float64Array {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && cols >= 1 && design.length === rows * cols && y.length === rows)) {
    throw new CrossmarginError('HISTORY_INVALID', `${field}: expected ${rows} × ${cols} values and ${rows} targets, got ${design.length} and ${y.length}`, { field });
  }
  if (rows < cols) {
    throw new CrossmarginError('HISTORY_INVALID', `${field}: ${rows} rows cannot determine ${cols} coefficients`, { field, details: { rows, cols } });
  }
  const a = Float64Array.from(design);
  const b = Float64Array.from(y);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i] as number)) throw new CrossmarginError('HISTORY_INVALID', `${field}: value at row ${Math.floor(i / cols)}, column ${i % cols} is not finite`, { field });
  }
  for (let i = 0; i < rows; i++) {
    if (!Number.isFinite(b[i] as number)) throw new CrossmarginError('HISTORY_INVALID', `${field}: target ${i} is not finite`, { field });
  }
  const scale = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += (a[i * cols + j] as number) ** 2;
    s = Math.sqrt(s);
    if (!(s > 0)) throw new CrossmarginError('HISTORY_INVALID', `${field}: column ${j} is all zero`, { field, details: { column: j } });
    scale[j] = s;
    for (let i = 0; i < rows; i++) a[i * cols + j] = (a[i * cols + j] as number) / s;
  }
  const v = new Float64Array(rows);
  const diag = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    let norm = 0;
    for (let i = k; i < rows; i++) norm += (a[i * cols + k] as number) ** 2;
    norm = Math.sqrt(norm);
    // Columns have unit norm, so `norm` is the share of column k not explained by columns 0..k−1.
    if (!(norm > 1e-10)) {
      throw new CrossmarginError('HISTORY_INVALID', `${field}: column ${k} is collinear with the columns before it`, { field, details: { column: k } });
    }
    const akk = a[k * cols + k] as number;
    const alpha = akk > 0 ? -norm : norm;
    let vNorm2 = 0;
    for (let i = k; i < rows; i++) {
      const vi = (a[i * cols + k] as number) - (i === k ? alpha : 0);
      v[i] = vi;
      vNorm2 += vi * vi;
    }
    diag[k] = alpha;
    for (let j = k + 1; j < cols; j++) {
      let s = 0;
      for (let i = k; i < rows; i++) s += (v[i] as number) * (a[i * cols + j] as number);
      const f = (2 * s) / vNorm2;
      for (let i = k; i < rows; i++) a[i * cols + j] = (a[i * cols + j] as number) - f * (v[i] as number);
    }
    let s = 0;
    for (let i = k; i < rows; i++) s += (v[i] as number) * (b[i] as number);
    const f = (2 * s) / vNorm2;
    for (let i = k; i < rows; i++) b[i] = (b[i] as number) - f * (v[i] as number);
  }
  // Back substitution R β' = (Qᵀy)[0..cols), then undo the column scaling.
  const beta = new Float64Array(cols);
  for (let k = cols - 1; k >= 0; k--) {
    let s = b[k] as number;
    for (let j = k + 1; j < cols; j++) s -= (a[k * cols + j] as number) * (beta[j] as number);
    beta[k] = s / (diag[k] as number);
  }
  for (let j = 0; j < cols; j++) beta[j] = (beta[j] as number) / (scale[j] as number);
  return beta;
}
