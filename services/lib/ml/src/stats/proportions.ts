// Tests and intervals for proportions: the pooled two-proportion z-test and the Wilson score interval.

import type { Interval } from "./interval.js";
import { normalQuantile, normalSf } from "./normal.js";

function checkCounts(fn: string, x: number, n: number, xName: string, nName: string): void {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${fn}: ${nName} must be a finite number >= 0, got ${n}`);
  if (!Number.isFinite(x) || x < 0 || x > n) throw new RangeError(`${fn}: ${xName} must be in [0, ${nName}] = [0, ${n}], got ${x}`);
}

/**
 * Two-sided z-test of p1 = p2 with the pooled standard error sqrt(p(1-p)(1/n1 + 1/n2)),
 * p = (x1 + x2)/(n1 + n2). diff = x1/n1 - x2/n2. When the test is undefined the p-value is 1:
 * with n1 or n2 = 0 diff and z are NaN; with the pooled p equal to 0 or 1 (both sides all 0 or all 1)
 * diff and z are 0.
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { diff: number; z: number; pValue: number } {
  checkCounts("twoProportionZ", x1, n1, "x1", "n1");
  checkCounts("twoProportionZ", x2, n2, "x2", "n2");
  if (n1 === 0 || n2 === 0) return { diff: NaN, z: NaN, pValue: 1 };
  const diff = x1 / n1 - x2 / n2;
  const p = (x1 + x2) / (n1 + n2);
  if (p === 0 || p === 1) return { diff: 0, z: 0, pValue: 1 };
  const z = diff / Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  return { diff, z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/**
 * Wilson (1927) score interval for a binomial proportion x/n at `level` (default 0.95):
 * (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n). The estimate is x/n.
 * n = 0 gives estimate NaN and the whole [0, 1].
 */
export function wilsonInterval(x: number, n: number, level = 0.95): Interval {
  checkCounts("wilsonInterval", x, n, "x", "n");
  if (!(level > 0 && level < 1)) throw new RangeError(`wilsonInterval: level must be in (0, 1), got ${level}`);
  if (n === 0) return { estimate: NaN, low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = x / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  // At x = 0 or x = n one bound is exactly 0 or 1; clamp the rounding.
  return { estimate: p, low: x === 0 ? 0 : Math.max(0, center - half), high: x === n ? 1 : Math.min(1, center + half) };
}
