/**
 * Inter-rater agreement for nominal labels (A better, B better, tie).
 */

/**
 * Cohen's kappa for two raters over the items both labelled: (p_o - p_e) / (1 - p_e), with
 * p_e from each rater's own label frequencies. NaN when fewer than one shared item; 1 when both
 * always use one and the same label (no disagreement possible, p_e = 1).
 */
export function cohensKappa(pairs: readonly (readonly [string, string])[]): number {
  const n = pairs.length;
  if (n === 0) return Number.NaN;
  const fa = new Map<string, number>();
  const fb = new Map<string, number>();
  let agree = 0;
  for (const [a, b] of pairs) {
    if (a === b) agree++;
    fa.set(a, (fa.get(a) ?? 0) + 1);
    fb.set(b, (fb.get(b) ?? 0) + 1);
  }
  const po = agree / n;
  let pe = 0;
  for (const [label, ca] of fa) pe += (ca / n) * ((fb.get(label) ?? 0) / n);
  if (1 - pe < 1e-12) return po === 1 ? 1 : Number.NaN;
  return (po - pe) / (1 - pe);
}

/**
 * Krippendorff's alpha, nominal metric, for units each holding the values the raters gave
 * (missing values simply absent). Units with fewer than two values are not pairable and are
 * dropped. alpha = 1 - D_o / D_e computed from the coincidence matrix:
 * D_o = sum_{c != k} o_ck / n, D_e = sum_{c != k} n_c n_k / (n (n - 1)).
 */
export function krippendorffAlphaNominal(units: readonly (readonly string[])[]): number {
  const o = new Map<string, Map<string, number>>();
  const add = (c: string, k: string, x: number) => {
    let row = o.get(c);
    if (!row) o.set(c, (row = new Map()));
    row.set(k, (row.get(k) ?? 0) + x);
  };
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    // Each ordered pair of values from different raters in the unit adds 1/(m-1).
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) add(unit[i] as string, unit[j] as string, 1 / (m - 1));
  }
  const nc = new Map<string, number>();
  let n = 0;
  for (const [c, row] of o) {
    let s = 0;
    for (const x of row.values()) s += x;
    nc.set(c, s);
    n += s;
  }
  if (n <= 1) return Number.NaN;
  let disagreeObserved = 0;
  for (const [c, row] of o) for (const [k, x] of row) if (c !== k) disagreeObserved += x;
  let disagreeExpected = 0;
  for (const [c, a] of nc) for (const [k, b] of nc) if (c !== k) disagreeExpected += a * b;
  const dO = disagreeObserved / n;
  const dE = disagreeExpected / (n * (n - 1));
  if (dE === 0) return dO === 0 ? 1 : Number.NaN;
  return 1 - dO / dE;
}

/** Share of gold items a rater got right; NaN with none. */
export function goldAccuracy(results: readonly { given: string; expected: string }[]): number {
  if (results.length === 0) return Number.NaN;
  return results.filter((r) => r.given === r.expected).length / results.length;
}
