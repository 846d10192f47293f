// Plain loops for the reference implementations: y = x·W (+ b) and its transposed products.
import type { FloatArray } from "../graph/core.js";

/** y[n, j] = sum_k x[n, k] w[k, j] + b[j]. */
export function affine(x: ArrayLike<number>, w: FloatArray, b: FloatArray | undefined, n: number, k: number, j: number): Float64Array {
  const y = new Float64Array(n * j);
  for (let r = 0; r < n; r++) {
    const yo = r * j;
    if (b) for (let c = 0; c < j; c++) y[yo + c] = b[c]!;
    for (let q = 0; q < k; q++) {
      const xv = x[r * k + q]!;
      if (xv === 0) continue;
      const wo = q * j;
      for (let c = 0; c < j; c++) y[yo + c] = y[yo + c]! + xv * w[wo + c]!;
    }
  }
  return y;
}

/** gW[k, j] += sum_n x[n, k] g[n, j]. */
export function accumulateWeightGrad(gw: Float64Array, x: ArrayLike<number>, g: ArrayLike<number>, n: number, k: number, j: number): void {
  for (let r = 0; r < n; r++) {
    for (let q = 0; q < k; q++) {
      const xv = x[r * k + q]!;
      if (xv === 0) continue;
      const wo = q * j;
      for (let c = 0; c < j; c++) gw[wo + c] = gw[wo + c]! + xv * g[r * j + c]!;
    }
  }
}

/** gx[n, k] = sum_j g[n, j] w[k, j]. */
export function inputGrad(g: ArrayLike<number>, w: FloatArray, n: number, k: number, j: number): Float64Array {
  const gx = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let q = 0; q < k; q++) {
      let s = 0;
      const wo = q * j;
      for (let c = 0; c < j; c++) s += g[r * j + c]! * w[wo + c]!;
      gx[r * k + q] = s;
    }
  }
  return gx;
}

/** Column sums: gb[j] += sum_n g[n, j]. */
export function accumulateBiasGrad(gb: Float64Array, g: ArrayLike<number>, n: number, j: number): void {
  for (let r = 0; r < n; r++) for (let c = 0; c < j; c++) gb[c] = gb[c]! + g[r * j + c]!;
}

export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
