/**
 * Solves weighted least squares `min Σ_k w_k (y_k − A_k·β)²` through the normal equations
 * `(AᵀWA) β = AᵀWy`, by Gaussian elimination with partial pivoting. A rank-deficient system gets
 * a tiny ridge term so it still has an answer (the minimum-norm-like one).
 * @param rows - the design matrix, `n × p`, row-major
 * @param n - rows
 * @param p - columns
 * @param y - targets, `n`
 * @param w - weights, `n`, non-negative
 */
export function solveWeightedLeastSquares(rows: Float64Array, n: number, p: number, y: Float64Array, w: Float64Array): Float64Array {
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let k = 0; k < n; k++) {
    const wk = w[k]!;
    if (wk === 0) continue;
    const off = k * p;
    for (let i = 0; i < p; i++) {
      const ri = rows[off + i]! * wk;
      if (ri === 0) continue;
      b[i]! += ri * y[k]!;
      for (let j = i; j < p; j++) a[i * p + j]! += ri * rows[off + j]!;
    }
  }
  let trace = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < i; j++) a[i * p + j] = a[j * p + i]!;
    trace += a[i * p + i]!;
  }
  const solved = gaussianSolve(a, b, p, 0);
  if (solved) return solved;
  return gaussianSolve(a, b, p, 1e-10 * Math.max(trace / Math.max(p, 1), 1e-300)) ?? new Float64Array(p);
}

function gaussianSolve(matrix: Float64Array, rhs: Float64Array, p: number, ridge: number): Float64Array | undefined {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  for (let i = 0; i < p; i++) a[i * p + i]! += ridge;
  let scale = 0;
  for (let i = 0; i < p * p; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const tiny = scale * 1e-13;
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(a[r * p + col]!) > Math.abs(a[pivot * p + col]!)) pivot = r;
    if (!(Math.abs(a[pivot * p + col]!) > tiny)) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < p; c++) [a[col * p + c], a[pivot * p + c]] = [a[pivot * p + c]!, a[col * p + c]!];
      [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    }
    const d = a[col * p + col]!;
    for (let r = col + 1; r < p; r++) {
      const f = a[r * p + col]! / d;
      if (f === 0) continue;
      for (let c = col; c < p; c++) a[r * p + c]! -= f * a[col * p + c]!;
      b[r]! -= f * b[col]!;
    }
  }
  const x = new Float64Array(p);
  for (let r = p - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let c = r + 1; c < p; c++) s -= a[r * p + c]! * x[c]!;
    x[r] = s / a[r * p + r]!;
  }
  return x;
}
