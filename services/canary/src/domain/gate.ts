// The promotion gate. Reject: it breaks rules production keeps (the hard checks). Hold: it is not shown
// to be better, the reward model's taste leaks into every answer (this wins over reject), or an
// estimate (gold, outcomes: the simulated product's) says worse. Promote: better, nothing suspicious.
import type { Decision, GateReasonDoc, MetricRow } from "./types.js";

export interface GateConfig {
  /** Significance level for the shape-shift tests. */
  readonly alpha: number;
  /** A shift counts as "everywhere" when at least this share of the measured intents moved the same way. */
  readonly leakShare: number;
  /** Intents with fewer candidate samples than this are not counted for "everywhere". */
  readonly minIntentSamples: number;
  /** And at least this many intents must be measured. */
  readonly minIntents: number;
  /** Reward-model win rate needed for a gain (with its interval above 0.5). */
  readonly minWinRate: number;
  /** Gold gain whose interval must clear this to count as independent evidence. */
  readonly minIndependentGain: number;
  /** A hard-check pass-rate drop larger than this (interval below 0) rejects. */
  readonly maxCheckDrop: number;
  /** An escalation-rate rise larger than this (interval above 0) rejects. */
  readonly maxEscalationRise: number;
}

export const defaultGateConfig: GateConfig = {
  alpha: 0.01,
  leakShare: 0.75,
  minIntentSamples: 20,
  minIntents: 3,
  minWinRate: 0.55,
  minIndependentGain: 0.05,
  maxCheckDrop: 0.02,
  maxEscalationRise: 0.02,
};

/** Reason codes for a shift that shows up everywhere: [when the candidate's value is lower, when higher]. */
const SHIFT_CODES: Readonly<Record<string, readonly [string, string, string]>> = {
  length_words: ["shorter_everywhere", "longer_everywhere", "answers"],
  refusal_rate: ["fewer_refusals_everywhere", "more_refusals_everywhere", "refusals"],
  disclaimer_rate: ["fewer_disclaimers_everywhere", "more_disclaimers_everywhere", "disclaimers"],
  hedge_rate: ["less_hedging_everywhere", "more_hedging_everywhere", "hedges"],
  clarifying_rate: ["fewer_questions_everywhere", "more_questions_everywhere", "clarifying questions"],
};

export interface ShapeShift {
  readonly metric: string;
  readonly code: string;
  readonly direction: -1 | 1;
  readonly movedIntents: readonly string[];
  readonly measuredIntents: readonly string[];
  readonly overall: MetricRow;
}

const fmt = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function overallOf(rows: readonly MetricRow[], name: string): MetricRow | undefined {
  return rows.find((r) => r.name === name && r.intent === "");
}

/** Shape shifts that are significant overall and move the same way in most measured intents. */
export function shapeShifts(rows: readonly MetricRow[], cfg: GateConfig = defaultGateConfig): ShapeShift[] {
  const out: ShapeShift[] = [];
  for (const [metric, [lowerCode, higherCode]] of Object.entries(SHIFT_CODES)) {
    const overall = overallOf(rows, metric);
    if (!overall || overall.pValue >= cfg.alpha || overall.delta.estimate === 0) continue;
    const direction: -1 | 1 = overall.delta.estimate < 0 ? -1 : 1;
    const perIntent = rows.filter((r) => r.name === metric && r.intent !== "" && r.nCandidate >= cfg.minIntentSamples && r.nProduction >= cfg.minIntentSamples);
    if (perIntent.length < cfg.minIntents) continue;
    const moved = perIntent.filter((r) => (direction < 0 ? r.delta.high < 0 : r.delta.low > 0));
    if (moved.length / perIntent.length < cfg.leakShare) continue;
    out.push({ metric, code: direction < 0 ? lowerCode : higherCode, direction, movedIntents: moved.map((r) => r.intent), measuredIntents: perIntent.map((r) => r.intent), overall });
  }
  return out;
}

export interface GateResult {
  readonly decision: Decision;
  readonly reasons: GateReasonDoc[];
  readonly shifts: ShapeShift[];
}

/** What the trainer said about the run: a shape-drift stop is its own guardrail firing. */
export interface TrainerVerdict {
  readonly stopReason: string;
  readonly stopDetail: string;
}

export function decide(rows: readonly MetricRow[], cfg: GateConfig = defaultGateConfig, trainer?: TrainerVerdict): GateResult {
  const reject: GateReasonDoc[] = [];
  const hold: GateReasonDoc[] = [];
  const info: GateReasonDoc[] = [];
  if (trainer?.stopReason === "shape_drift") {
    hold.push({ code: "trainer_guardrail", message: `the RL trainer's own guardrail stopped this run: ${trainer.stopDetail}`, metrics: [] });
  }

  const checks = overallOf(rows, "hard_check_pass");
  if (checks && checks.delta.high < 0 && -checks.delta.estimate > cfg.maxCheckDrop) {
    reject.push({ code: "hard_check_regression", message: `hard-check pass rate fell ${pct(checks.production.estimate)} -> ${pct(checks.candidate.estimate)} (change ${fmt(checks.delta.estimate)}, 95% CI [${fmt(checks.delta.low)}, ${fmt(checks.delta.high)}])`, metrics: ["hard_check_pass"] });
  }
  const gold = overallOf(rows, "gold");
  if (gold && gold.delta.high < 0) {
    hold.push({ code: "gold_regression", message: `gold utility fell ${fmt(gold.production.estimate)} -> ${fmt(gold.candidate.estimate)} (95% CI of the change [${fmt(gold.delta.low)}, ${fmt(gold.delta.high)}])`, metrics: ["gold"] });
  }
  const esc = overallOf(rows, "escalation_rate");
  if (esc && esc.delta.low > 0 && esc.delta.estimate > cfg.maxEscalationRise) {
    hold.push({ code: "escalation_regression", message: `expected escalations rose ${pct(esc.production.estimate)} -> ${pct(esc.candidate.estimate)}`, metrics: ["escalation_rate"] });
  }
  const win = overallOf(rows, "reward_win_rate");
  if (win && win.candidate.high < 0.5) {
    hold.push({ code: "reward_prefers_production", message: `the reward model prefers production: candidate win rate ${pct(win.candidate.estimate)} (95% CI ${pct(win.candidate.low)}-${pct(win.candidate.high)})`, metrics: ["reward_win_rate"] });
  }

  // Independent evidence: the simulated product's gold utility (absent elsewhere).
  const independentGain = gold ? gold.delta.low > cfg.minIndependentGain : false;
  const rewardGain = win ? win.candidate.estimate >= cfg.minWinRate && win.candidate.low > 0.5 : false;

  const shifts = shapeShifts(rows, cfg);
  for (const s of shifts) {
    const [, , noun] = SHIFT_CODES[s.metric]!;
    const what = s.metric === "length_words"
      ? `answers ${s.direction < 0 ? "shorter" : "longer"} everywhere: ${fmt(s.overall.production.estimate, 1)} -> ${fmt(s.overall.candidate.estimate, 1)} words`
      : `${s.direction < 0 ? "fewer" : "more"} ${noun} everywhere: ${pct(s.overall.production.estimate)} -> ${pct(s.overall.candidate.estimate)}`;
    const where = `in ${s.movedIntents.length} of ${s.measuredIntents.length} intents (KS/z p = ${s.overall.pValue.toExponential(1)})`;
    if (independentGain) {
      info.push({ code: `${s.code}_confirmed`, message: `${what} ${where}; gold rose too (95% CI of the change [${fmt(gold!.delta.low)}, ${fmt(gold!.delta.high)}]), so the shift is not only the reward model's taste`, metrics: [s.metric, "gold"] });
    } else {
      hold.push({ code: s.code, message: `${what} ${where}, with no independent gain to confirm it: a reward-model preference leaking into every answer`, metrics: [s.metric] });
    }
  }
  if (!rewardGain && !independentGain) {
    hold.push({ code: "no_clear_gain", message: win ? `no clear gain: reward win rate ${pct(win.candidate.estimate)} (95% CI ${pct(win.candidate.low)}-${pct(win.candidate.high)}, needs >= ${pct(cfg.minWinRate)} with the interval above 50%)${gold ? `, gold change ${fmt(gold.delta.estimate)}` : ""}` : "no reward-model scores to compare", metrics: ["reward_win_rate", ...(gold ? ["gold"] : [])] });
  }

  // Shape leaks first: they explain why the reward model's own verdict cannot be trusted.
  const leaks = hold.filter((r) => r.code.endsWith("_everywhere"));
  // With proxy gaming seen, the fault is upstream (the reward model and its data), so the checkpoint
  // is held for a person with every regression listed, rather than rejected as merely a bad draw.
  let decision: Decision = "promote";
  if (reject.length && !leaks.length) decision = "reject";
  else if (reject.length || hold.length) decision = "hold";
  const reasons = leaks.length ? [...leaks, ...reject, ...hold.filter((r) => !leaks.includes(r)), ...info] : [...reject, ...hold, ...info];
  if (decision === "promote") {
    const parts = [win ? `reward win rate ${pct(win.candidate.estimate)} (95% CI ${pct(win.candidate.low)}-${pct(win.candidate.high)})` : ""];
    if (gold) parts.push(`gold ${fmt(gold.production.estimate)} -> ${fmt(gold.candidate.estimate)} (95% CI of the change [${fmt(gold.delta.low)}, ${fmt(gold.delta.high)}])`);
    if (checks) parts.push(`hard checks ${pct(checks.production.estimate)} -> ${pct(checks.candidate.estimate)}`);
    reasons.unshift({ code: "improved", message: `better than production: ${parts.filter(Boolean).join("; ")}`, metrics: ["reward_win_rate", ...(gold ? ["gold"] : []), "hard_check_pass"] });
  }
  return { decision, reasons, shifts };
}

/** Gate overrides from JSON (the CANARY_GATE setting): unknown keys and bad values are reported by name. */
export function parseGateConfig(json: string): { config: GateConfig; issues: string[] } {
  if (!json.trim()) return { config: defaultGateConfig, issues: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return { config: defaultGateConfig, issues: [`not JSON: ${(e as Error).message}`] };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { config: defaultGateConfig, issues: ["must be a JSON object"] };
  const issues: string[] = [];
  const out: Record<string, number> = { ...defaultGateConfig };
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in defaultGateConfig)) issues.push(`${k}: unknown (known: ${Object.keys(defaultGateConfig).join(", ")})`);
    else if (typeof v !== "number" || !Number.isFinite(v) || v < 0) issues.push(`${k}: must be a non-negative number`);
    else out[k] = v;
  }
  for (const k of ["alpha", "leakShare", "minWinRate"] as const) if (out[k]! > 1) issues.push(`${k}: must be at most 1`);
  return { config: out as unknown as GateConfig, issues };
}
