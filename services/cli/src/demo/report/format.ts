// Number formatting shared by the HTML report and the printed summary: fixed decimals, so columns
// line up and the same data always prints the same text.

/** A fixed-decimal number, "n/a" when missing or not finite. */
export function dec(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);
}

/** A proportion in [0, 1] as a percentage: 0.6123 -> "61.2%". */
export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "n/a" : `${(x * 100).toFixed(digits)}%`;
}

/** An axis tick for a proportion: 0.25 -> "25%", 0.025 -> "2.5%" (ticks are already round). */
export function pctTick(x: number): string {
  return `${Number((x * 100).toFixed(6))}%`;
}

/** A whole count with thousands separators: 12345 -> "12,345". */
export function count(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  const digits = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 ? `-${digits}` : digits;
}

/** Seconds with one decimal: 61.04 -> "61.0 s"; durations over two minutes also show minutes. */
export function seconds(s: number): string {
  if (!Number.isFinite(s)) return "n/a";
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${s.toFixed(0)} s (${m} min ${Math.round(s - 60 * m)} s)`;
}

/** "rose from 0.42 to 0.55", "fell from ...", "stayed at ..." for a before/after pair. */
export function movement(before: number, after: number, show: (x: number) => string): string {
  const a = show(before);
  const b = show(after);
  if (a === b) return `stayed at ${a}`;
  return `${after > before ? "rose" : "fell"} from ${a} to ${b}`;
}
