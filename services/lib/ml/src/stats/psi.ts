// Population stability index between two categorical distributions (intent mix drift).

function shares(fn: string, name: string, counts: Readonly<Record<string, number>>): { total: number; keys: string[] } {
  if (typeof counts !== "object" || counts === null) throw new RangeError(`${fn}: ${name} must be an object of counts`);
  const keys = Object.keys(counts);
  let total = 0;
  for (const k of keys) {
    const v = counts[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new RangeError(`${fn}: ${name}[${JSON.stringify(k)}] must be a finite count >= 0, got ${String(v)}`);
    total += v;
  }
  return { total, keys };
}

/**
 * PSI = sum (a_i - e_i) ln(a_i / e_i) over category shares; counts are turned into shares; a category
 * missing (or zero) on one side gets share epsilon (default 1e-4) so the sum stays finite; a category
 * empty on both sides adds nothing. Keys are category names. NaN when a side has no counts at all.
 * Rule of thumb: < 0.1 stable, 0.1 to 0.25 moderate shift, > 0.25 major shift.
 */
export function populationStabilityIndex(
  expected: Readonly<Record<string, number>>,
  actual: Readonly<Record<string, number>>,
  opts?: { epsilon?: number },
): number {
  const fn = "populationStabilityIndex";
  const epsilon = opts?.epsilon ?? 1e-4;
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`${fn}: opts.epsilon must be in (0, 1), got ${epsilon}`);
  const e = shares(fn, "expected", expected);
  const a = shares(fn, "actual", actual);
  if (e.total === 0 || a.total === 0) return NaN;
  const own = (r: Readonly<Record<string, number>>, k: string): number => (Object.hasOwn(r, k) ? r[k]! : 0);
  let psi = 0;
  for (const k of new Set([...e.keys, ...a.keys])) {
    let es = own(expected, k) / e.total;
    let as = own(actual, k) / a.total;
    if (es === 0 && as === 0) continue;
    if (es === 0) es = epsilon;
    if (as === 0) as = epsilon;
    psi += (as - es) * Math.log(as / es);
  }
  return psi;
}
