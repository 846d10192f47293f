// The standard normal distribution: CDF, upper tail and quantile, accurate to ~1e-15 (absolute in the
// body, relative in the tails, so that tiny two-sided p-values keep their digits).

const LOG_SQRT_2PI = 0.9189385332046728; // ln(sqrt(2*pi))
const SQRT_2PI = 2.5066282746310002;

/** Upper tail Q(x) = 1 - Phi(x) for x >= 3, by Laplace's continued fraction for Mills' ratio,
 *  Q(x) = phi(x) / (x + 1/(x + 2/(x + 3/(x + ...)))), evaluated backwards from a fixed depth. */
function upperTailCf(x: number): number {
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / f;
  return Math.exp(-0.5 * x * x - LOG_SQRT_2PI) / f;
}

/** Phi(x) - 1/2 for |x| < 3 by Marsaglia's (2004) Taylor series, phi(x) * sum x^(2k+1)/(2k+1)!!. */
function centralSeries(x: number): number {
  const q = x * x;
  let sum = x;
  let term = x;
  for (let i = 3; ; i += 2) {
    term *= q / i;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return sum * Math.exp(-0.5 * q - LOG_SQRT_2PI);
}

/** Standard normal CDF Phi(z). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z <= -3) return z === -Infinity ? 0 : upperTailCf(-z);
  if (z >= 3) return z === Infinity ? 1 : 1 - upperTailCf(z);
  return 0.5 + centralSeries(z);
}

/** Upper tail 1 - Phi(z), without the cancellation of computing 1 - normalCdf(z) for large z. */
export function normalSf(z: number): number {
  return normalCdf(-z);
}

// Acklam's rational approximation of the quantile (relative error < 1.15e-9), then one Halley step
// on normalCdf, which brings it to double precision.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

function acklam(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** Inverse of normalCdf: the z with Phi(z) = p, for p in [0, 1] (-Infinity and Infinity at the ends). */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const x = acklam(p);
  // Halley step; the error is taken on the smaller tail so it keeps its relative precision.
  const e = p < 0.5 ? normalCdf(x) - p : 1 - p - normalSf(x);
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}
