// Two-sample Kolmogorov–Smirnov test with the asymptotic p-value of Numerical Recipes' `kstwo`.

/**
 * Kolmogorov's limiting distribution, upper tail: Q(lambda) = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2).
 * For lambda < 1.18 that alternating series converges slowly, so the complement is taken from the
 * equivalent theta-function form P(lambda) = sqrt(2 pi)/lambda sum_{j>=1} exp(-(2j-1)^2 pi^2 / (8 lambda^2))
 * (as Numerical Recipes 3rd ed., `KSdist`, does).
 */
export function kolmogorovSf(lambda: number): number {
  if (Number.isNaN(lambda)) return NaN;
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const k = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let j = 1; j < 100; j++) {
      const m = 2 * j - 1;
      const term = Math.exp(-m * m * k);
      sum += term;
      if (term <= 1e-17 * sum) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  let sum = 0;
  for (let j = 1; j < 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += j % 2 === 1 ? term : -term;
    if (term <= 1e-17 * sum) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

function sortedCopy(fn: string, name: string, xs: readonly number[]): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (typeof x !== "number" || Number.isNaN(x)) throw new RangeError(`${fn}: ${name}[${i}] is ${x}, expected a number`);
    out[i] = x;
  }
  return out.sort();
}

/**
 * Two-sided two-sample KS test. D = sup_x |F_a(x) - F_b(x)| with both empirical CDFs right-continuous,
 * so tied values (integer word counts) are all counted before the CDFs are compared. The p-value is
 * the asymptotic Kolmogorov tail at lambda = (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) D, ne = n1 n2/(n1+n2)
 * (Stephens' small-sample correction, as in Numerical Recipes' `kstwo`). An empty sample gives
 * statistic NaN and pValue 1 (no evidence either way).
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { statistic: number; pValue: number } {
  const x = sortedCopy("ksTwoSample", "a", a);
  const y = sortedCopy("ksTwoSample", "b", b);
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { statistic: NaN, pValue: 1 };
  // D in integer units of 1/(n1 n2): |i n2 - j n1| is exact, so equal gaps compare equal.
  let i = 0;
  let j = 0;
  let dMax = 0;
  while (i < n1 && j < n2) {
    const xi = x[i]!;
    const yj = y[j]!;
    const v = xi <= yj ? xi : yj;
    while (i < n1 && x[i] === v) i++;
    while (j < n2 && y[j] === v) j++;
    const gap = Math.abs(i * n2 - j * n1);
    if (gap > dMax) dMax = gap;
  }
  // Past the end of one sample its CDF is 1 and the other's climbs to 1: the gap only shrinks.
  const statistic = dMax / (n1 * n2);
  const sq = Math.sqrt((n1 * n2) / (n1 + n2));
  return { statistic, pValue: kolmogorovSf((sq + 0.12 + 0.11 / sq) * statistic) };
}
