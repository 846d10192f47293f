// The run's summary: what was read, which steps ran and which could not (with why), the reward
// model's diagnostics and the production watch, as JSON and as Markdown (also printed on stdout).
import type { RowIssue } from "./fields.js";
import type { FilePlan } from "./plan.js";
import type { CanaryFacts, RewardFacts, RlFacts, SnapshotFacts, WatchFacts } from "./services.js";
import { statusMark, type StepFact } from "./steps.js";

export interface RunSummary {
  readonly file: string;
  readonly format: string;
  readonly rows: number;
  readonly goodRows: number;
  readonly issues: readonly RowIssue[];
  readonly ignoredColumns: readonly string[];
  readonly plan: FilePlan;
  readonly steps: readonly StepFact[];
  readonly snapshot?: SnapshotFacts;
  readonly rewardModel?: RewardFacts;
  readonly rl?: RlFacts;
  readonly canary?: CanaryFacts;
  readonly watch?: WatchFacts;
  /** Files written under --out. */
  readonly files: readonly string[];
  readonly exitCode: number;
  readonly seconds: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** What to do next, whatever ran: the model this loop trains is a stand-in. */
export const OWN_MODEL_NOTE = [
  "The policy this command trains is the compact word-level stand-in, fitted to your logged answers — not your production model.",
  "To improve your own model: export the preference dataset (`rlhf dataset export --format trl|openai-dpo|hh`, or `--out DIR` here)",
  "and train it with TRL / OpenAI fine-tuning, or point your RL trainer at the reward model",
  "(OpenRLHF `--remote_rm_url http://HOST:8083/get_reward`, the reward service's HTTP port; see services/reward/README.md).",
].join(" ");

export function renderMarkdown(s: RunSummary): string {
  const out: string[] = [];
  const p = s.plan;
  out.push(`# rlhf run: ${s.file}`, "");
  out.push(
    `Read ${s.rows} rows (${s.format}); ${s.goodRows} good${s.issues.length ? `, ${s.rows - s.goodRows} left out (${s.issues.length} problems)` : ""}. ` +
      `${p.interactions} answers, ${p.feedback.thumb} votes, ${p.feedback.rating} ratings, ${p.feedback.comparison} comparisons, ${p.feedback.outcome} outcomes` +
      `${p.expertRows ? ` (${p.expertRows} from experts)` : ""}; ${p.reasonCoded} with reason codes.`,
  );
  if (p.firstAt && p.lastAt) out.push(`Dated ${p.firstAt.toISOString().slice(0, 10)} to ${p.lastAt.toISOString().slice(0, 10)}${p.undated ? `; ${p.undated} events without occurred_at count as sent today` : ""}.`);
  if (s.ignoredColumns.length) out.push(`Ignored columns (not ours): ${s.ignoredColumns.join(", ")}.`);
  out.push("", "| step | result | detail |", "|---|---|---|");
  for (const st of s.steps) out.push(`| ${cell(st.name)} | ${statusMark(st.status)} | ${cell(st.detail)} |`);

  if (s.snapshot) {
    const sn = s.snapshot;
    out.push("", "## Preference pairs", "", `Snapshot ${sn.datasetId}: ${sn.pairs} pairs from ${sn.raters} raters; heaviest 5% of raters ${pct(sn.heavyShareBefore)} of weight before caps, ${pct(sn.heavyShareAfter)} after. By source: ${sn.bySource.map((x) => `${x.key} ${pct(x.share)}`).join(", ") || "n/a"}.`);
  }
  if (s.rewardModel) {
    const r = s.rewardModel;
    const flagged = r.checks.filter((c) => c.flagged);
    out.push(
      "", "## Reward model", "",
      `${r.modelId} (${r.trainPairs} training pairs, ${r.heldOutPairs} held out): held-out accuracy ${f3(r.heldOutAccuracy)} [${f3(r.heldOutLow)}, ${f3(r.heldOutHigh)}] (95% bootstrap), ` +
        `the length-only rule ${f3(r.lengthRuleAccuracy)} on the same pairs. ${r.approved ? "Approved: no check flagged." : `Not approved: ${flagged.length} check${flagged.length === 1 ? "" : "s"} flagged.`}` +
        (r.heldOutPairs === 0 ? " No pair was held out (about 1 prompt in 5 is, with all its pairs): the checks below measured nothing; pairs on more distinct prompts are needed." : ""),
      "", "| check | value | threshold | flagged |", "|---|---|---|---|",
      ...r.checks.map((c) => `| ${c.name} | ${f3(c.value)} | ${f3(c.threshold)} | ${c.flagged ? `**yes**: ${cell(c.detail)}` : "no"} |`),
    );
  }
  if (s.rl) {
    const last = s.rl.steps.at(-1);
    out.push(
      "", "## RL (the stand-in policy)", "",
      `${s.rl.runId}: ${s.rl.outcome}; ${s.rl.policyVersion}${last ? `, last step reward ${f3(last.reward)}, KL ${last.kl.toFixed(2)} nats, ${last.length.toFixed(0)} words` : ""}. ` +
        "This is the compact word-level stand-in policy, fitted to your logged answers and trained against the reward model above: it shows what the reward model pushes answers toward, not a model to ship.",
    );
  }
  if (s.canary) {
    const c = s.canary;
    out.push(
      "", "## Canary", "",
      `${c.decision.toUpperCase()} on ${c.tasks} held-out tasks (report ${c.reportId}): the stand-in against the answers you logged for those prompts; nothing was deployed. ` +
        "No gold utility without a simulator: hard checks (default template: at most 400 words), reward win rate and shape drift only.",
    );
    for (const r of c.reasons) out.push(`- ${r.code}: ${r.message}`);
    const show = c.metrics.filter((m) => ["hard_check_pass", "reward_win_rate", "length_words", "refusal_rate", "hedge_rate", "disclaimer_rate"].includes(m.name));
    if (show.length) out.push("", "| figure | candidate | production | change [95%] |", "|---|---|---|---|", ...show.map((m) => `| ${m.name} | ${f3(m.candidate)} | ${f3(m.production)} | ${f3(m.delta)} [${f3(m.deltaLow)}, ${f3(m.deltaHigh)}] |`));
  }
  if (s.watch) {
    const w = s.watch;
    out.push("", "## Production watch", "");
    out.push("| week | questions | thumbs up | thumbs down | coded |", "|---|---|---|---|---|", ...w.weeks.map((x) => `| ${x.weekStart} | ${x.questions} | ${x.thumbsUp} | ${x.thumbsDown} | ${x.coded} |`));
    for (const d of w.drift) out.push(`- week of ${d.weekStart}: intent PSI ${d.psi === null ? "n/a" : d.psi.toFixed(3)}; ${d.alerts.length ? `alerts: ${d.alerts.join("; ")}` : "no alerts"}; retrain: ${d.retrain}`);
    out.push("", `Retrain: ${w.retrain}${w.retrainReason ? ` (${w.retrainReason})` : ""}.`, "", `RLHF fit: ${w.rlhfFit.message}`);
  }
  if (s.issues.length) {
    out.push("", "## Rows left out", "");
    for (const i of s.issues.slice(0, 200)) out.push(`- line ${i.line}: ${i.path}: ${i.reason}`);
    if (s.issues.length > 200) out.push(`- ... and ${s.issues.length - 200} more`);
  }
  out.push("", "## Your own model", "", OWN_MODEL_NOTE);
  if (s.files.length) out.push("", "Files: " + s.files.join(", "));
  out.push("", `${s.exitCode === 0 ? "Every step that was possible passed" : "A step FAILED"} (${s.seconds.toFixed(0)} s).`);
  return out.join("\n") + "\n";
}

export function summaryJson(s: RunSummary): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}
