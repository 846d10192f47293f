// "Should we use RLHF here": how much of the negative feedback is about how answers are written
// (preference-shaped: RLHF can change it) versus what the bot does not know or cannot do
// (capability-shaped: missing facts and broken tools, which preference training does not add).

import { wilsonInterval, type Interval } from "@rlhf-loop/ml";
import { OUTCOME_NAMES, type OutcomeName } from "./week.js";

export type ComplaintShape = "preference" | "capability";

/**
 * Reason codes by shape: the simulated product's form, and the codes the client SDK's thumbs widget
 * offers (`rude_tone`, `policy_violation`, `unsafe`, `incorrect`). Codes not listed
 * (`unhelpful`, `did_not_answer`, `other`, anything else) count as "other".
 */
export const DEFAULT_REASON_TAXONOMY: Readonly<Record<string, ComplaintShape>> = Object.freeze({
  too_long: "preference",
  tone: "preference",
  format: "preference",
  policy_not_followed: "preference",
  refusal: "preference",
  unnecessary_disclaimer: "preference",
  hedging: "preference",
  rude_tone: "preference",
  policy_violation: "preference",
  unsafe: "preference",
  missing_knowledge: "capability",
  wrong_information: "capability",
  tool_failure: "capability",
  incorrect: "capability",
});

export type RlhfFit = "rlhf_fits" | "mixed" | "fix_capability_first" | "insufficient_data";

export interface RlhfFitOptions {
  taxonomy?: Readonly<Record<string, ComplaintShape>>;
  /** Preference share at or above which RLHF fits (default 0.6). */
  fitsAt?: number;
  /** Preference share at or below which capability comes first (default 0.3). */
  capabilityAt?: number;
  /** Fewer classified codes than this: insufficient data (default 30). */
  minCodes?: number;
  /** Level of the Wilson interval (default 0.95). */
  level?: number;
  /** How many top codes to list (default 5). */
  top?: number;
}

export interface OutcomeCounts {
  /** Questions the outcomes are about (a week's `questions`). */
  questions: number;
  counts: Partial<Record<OutcomeName, number>>;
}

export interface CodeCount {
  code: string;
  count: number;
  /** Of all codes named. */
  share: number;
  shape: ComplaintShape | "other";
}

export interface RlhfFitSummary {
  codes: { total: number; preference: number; capability: number; other: number };
  /** Preference-shaped codes among classified ones (preference + capability), with a Wilson interval; null with none. */
  preferenceShare: Interval | null;
  recommendation: RlhfFit;
  /** The whole interval lies on the recommendation's side of the thresholds. */
  confident: boolean;
  message: string;
  topCodes: CodeCount[];
  /** Codes outside the taxonomy, most frequent first. */
  otherCodes: { code: string; count: number }[];
  /** Outcome rates per question, when outcomes were given. */
  outcomeRates: Record<OutcomeName, number> | null;
}

/**
 * Splits reason-code counts (for example a week's `thumbsDown.codes`, or several weeks merged) by
 * shape and says what the split supports. Each named code counts once; a vote naming two codes counts
 * twice, so the interval treats codes as independent and is somewhat too narrow.
 */
export function rlhfFitSummary(reasonCounts: Readonly<Record<string, number>>, outcomes?: OutcomeCounts, opts: RlhfFitOptions = {}): RlhfFitSummary {
  const taxonomy = opts.taxonomy ?? DEFAULT_REASON_TAXONOMY;
  const fitsAt = opts.fitsAt ?? 0.6;
  const capabilityAt = opts.capabilityAt ?? 0.3;
  const minCodes = opts.minCodes ?? 30;
  if (!(capabilityAt >= 0 && capabilityAt < fitsAt && fitsAt <= 1)) throw new RangeError(`rlhfFitSummary: need 0 <= capabilityAt < fitsAt <= 1 (got ${capabilityAt}, ${fitsAt})`);

  const codes = { total: 0, preference: 0, capability: 0, other: 0 };
  const rows: CodeCount[] = [];
  for (const [code, count] of Object.entries(reasonCounts)) {
    if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`rlhfFitSummary: reasonCounts[${JSON.stringify(code)}] must be an integer >= 0, got ${String(count)}`);
    if (count === 0) continue;
    const shape = Object.hasOwn(taxonomy, code) ? (taxonomy[code] as ComplaintShape) : "other";
    codes.total += count;
    codes[shape] += count;
    rows.push({ code, count, share: 0, shape });
  }
  for (const r of rows) r.share = r.count / codes.total;
  rows.sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));

  const classified = codes.preference + codes.capability;
  const preferenceShare = classified > 0 ? wilsonInterval(codes.preference, classified, opts.level ?? 0.95) : null;
  const band = (x: number): Exclude<RlhfFit, "insufficient_data"> => (x >= fitsAt ? "rlhf_fits" : x <= capabilityAt ? "fix_capability_first" : "mixed");
  const recommendation: RlhfFit = preferenceShare === null || classified < minCodes ? "insufficient_data" : band(preferenceShare.estimate);
  const confident = preferenceShare !== null && recommendation !== "insufficient_data" && band(preferenceShare.low) === recommendation && band(preferenceShare.high) === recommendation;

  const top = rows.slice(0, opts.top ?? 5);
  const topText = top.map((r) => `${r.code} ${r.count}`).join(", ");
  const otherCodes = rows.filter((r) => r.shape === "other").map((r) => ({ code: r.code, count: r.count }));
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  const split =
    preferenceShare === null
      ? "no classified reason codes"
      : `${pct(preferenceShare.estimate)} of classified complaints are preference-shaped (${pct(preferenceShare.low)}-${pct(preferenceShare.high)}, ${classified} codes)`;
  const verdict: Record<RlhfFit, string> = {
    rlhf_fits: "RLHF fits: most complaints are about how answers are written",
    fix_capability_first: "fix knowledge/tools first: RLHF will not add missing facts",
    mixed: "mixed: RLHF can fix how answers are written, but a large share of complaints needs knowledge or tool fixes",
    insufficient_data: `not enough reason codes to tell (${classified} classified, need ${minCodes})`,
  };
  let outcomeRates: Record<OutcomeName, number> | null = null;
  let outcomeText = "";
  if (outcomes !== undefined) {
    if (!(Number.isInteger(outcomes.questions) && outcomes.questions >= 0)) throw new RangeError(`rlhfFitSummary: outcomes.questions must be an integer >= 0, got ${outcomes.questions}`);
    const rates = {} as Record<OutcomeName, number>;
    for (const k of OUTCOME_NAMES) rates[k] = outcomes.questions > 0 ? (outcomes.counts[k] ?? 0) / outcomes.questions : 0;
    outcomeRates = rates;
    if (outcomes.questions > 0) {
      outcomeText = ` Outcomes per question: escalation ${pct2(rates.escalation)}, reopen ${pct2(rates.reopen)}, refund ${pct2(rates.refund)}, compliance flags ${pct2(rates.compliance_flag)}; escalations and reopens can serve as reward signals, compliance flags point at policy following.`;
    }
  }
  const otherText = otherCodes.length > 0 ? ` Unclassified codes ("other"): ${otherCodes.map((o) => `${o.code} ${o.count}`).join(", ")}.` : "";
  const message = `${verdict[recommendation]} — ${split}${confident || recommendation === "insufficient_data" ? "" : "; the interval crosses a threshold"}. Top codes: ${topText || "none"}.${otherText}${outcomeText}`;
  return { codes, preferenceShare, recommendation, confident, message, topCodes: top, otherCodes, outcomeRates };
}

function pct2(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
