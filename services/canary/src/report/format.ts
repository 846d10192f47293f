// Number formatting for the page: three significant digits, percentages for rates, signed deltas.

const MINUS = "\u2212";

/** Three significant digits, trailing zeros trimmed, thousands grouped, a real minus sign. */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "n/a" : x > 0 ? "\u221e" : `${MINUS}\u221e`;
  if (x === 0) return "0";
  const abs = Math.abs(x);
  let body: string;
  if (abs >= 10 ** digits) body = group(String(Math.round(abs)));
  else if (abs < 1e-4) body = abs.toExponential(digits - 1).replace(/\.?0+e/, "e");
  else body = trimZeros(abs.toPrecision(digits));
  if (body === "0") return "0";
  return x < 0 ? MINUS + body : body;
}

/** A signed number: "+1.23", "−0.5", "0". */
export function fmtSigned(x: number, digits = 3): string {
  const s = fmtNum(x, digits);
  return x > 0 && s !== "0" ? `+${s}` : s;
}

/** A proportion as a percentage with three significant digits: 0.1234 -> "12.3%". */
export function fmtPct(p: number): string {
  return `${fmtPctNumber(p)}%`;
}

/** A difference of proportions in percentage points: 0.012 -> "+1.2 pp". */
export function fmtPp(d: number): string {
  return `${fmtSigned(d * 100)} pp`;
}

/** p-values: three significant digits, "< 0.001" below that. */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return "n/a";
  if (p < 0.001) return "< 0.001";
  return fmtNum(p);
}

/** An integer count with grouping: 2000 -> "2,000". */
export function fmtCount(n: number): string {
  return Number.isInteger(n) ? (n < 0 ? MINUS : "") + group(String(Math.abs(n))) : fmtNum(n);
}

function fmtPctNumber(p: number): string {
  const v = p * 100;
  if (v === 100) return "100";
  return fmtNum(v);
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "p = 0.0457" or "p < 0.001" (plain text: escape before writing into HTML). */
export function pEquals(p: number): string {
  const s = fmtP(p);
  return s.startsWith("<") ? `p ${s}` : `p = ${s}`;
}
