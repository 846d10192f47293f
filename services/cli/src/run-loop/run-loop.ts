// `rlhf run --feedback FILE`: the loop on a team's own exported feedback, on the embedded stack
// (one process, embedded Postgres, the in-process bus). Validates every row before anything starts,
// sends the rows through ingestion with the SDK, builds pairs and a snapshot, trains and diagnoses
// the reward model, runs RL and the canary when the data allows, and always reads the weekly watch.
// Each step says what it did, or why it could not run on this data.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CanaryReportAnnouncementSchema, RewardModelAnnouncementSchema } from "@rlhf-loop/proto";
import { startEmbeddedStack } from "../demo/loop/embedded-stack.js";
import { bearer, httpJson } from "../demo/loop/http-json.js";
import type { LoopStack } from "../demo/loop/stack.js";
import { TopicLog } from "../demo/loop/watchers.js";
import type { RowIssue } from "./fields.js";
import { canaryGate, planFor, rlGate, type FilePlan, type RlChoice } from "./plan.js";
import { InputFileError, readFeedbackText, type InputFormat } from "./read-input.js";
import { renderMarkdown, summaryJson, type RunSummary } from "./report.js";
import { sendEvents } from "./send.js";
import { buildSnapshot, canaryReportHtml, caughtUpAll, exportDataset, readWatch, rewardFacts, runRl, waitForCanary, waitForRewardModel, type CanaryFacts, type RewardFacts, type RlFacts, type SnapshotFacts, type WatchFacts } from "./services.js";
import { Steps } from "./steps.js";
import { validateRows } from "./validate.js";

export interface RunLoopOptions {
  readonly feedback: string;
  readonly format: InputFormat | "auto";
  /** auto: RL when the data allows; on (--rl): try whenever rl-trainer can, fail if it cannot; off (--no-rl). */
  readonly rl: RlChoice;
  readonly rlSteps: number;
  readonly out?: string;
  readonly skipBad: boolean;
  readonly seed: number;
  /** The tenant the embedded stack is set up for. Default "team". */
  readonly tenantId?: string;
}

export interface RunLoopIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** Seams for tests: where the stack comes from. */
export interface RunLoopDeps {
  readonly startStack?: (tenantId: string, say: (line: string) => void) => Promise<LoopStack>;
}

export interface RunLoopResult {
  /** 0 every possible step passed, 1 a step failed, 2 bad usage or input (nothing was started). */
  readonly exitCode: 0 | 1 | 2;
  readonly summary?: RunSummary;
}

const SHOWN_ISSUES = 50;

const STEP = {
  ingest: "ingestion: every answer, then the feedback on it (SDK, HTTP)",
  rubric: "labeling: the experts' rubric",
  snapshot: "labeling: preference pairs and a dataset snapshot",
  reward: "reward model: training and diagnostics",
  export: "dataset export (TRL, OpenAI DPO, Anthropic HH)",
  canarySet: "canary set from held-out conversations",
  rl: "RL: the compact stand-in policy (RLOO, KL-regularized)",
  canary: "canary: the candidate against logged answers on held-out conversations",
  watch: "production watch: weekly drift and RLHF fit",
} as const;

function planLines(p: FilePlan, tenantId: string): string[] {
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? "" : "s"}`;
  const held = `${n(p.heldOutChats, "answer")} in held-out conversations (${n(p.heldOutPrompts, "distinct prompt")}) kept for the canary, never trained on`;
  return [
    `   ${p.interactions} answers; ${p.feedback.thumb} votes, ${p.feedback.rating} ratings, ${p.feedback.comparison} comparisons, ${p.feedback.outcome} outcomes${p.expertRows ? ` (${p.expertRows} from experts)` : ""}; ${p.reasonCoded} with reason codes`,
    `   ${p.dated} events dated${p.firstAt && p.lastAt ? ` ${p.firstAt.toISOString().slice(0, 10)} .. ${p.lastAt.toISOString().slice(0, 10)}` : ""}${p.undated ? `, ${p.undated} without occurred_at (they count as sent now)` : ""}`,
    `   tenant "${tenantId}": ${held}; ${p.loggedForRl} logged answers could fit the stand-in policy`,
    ...(p.conversationIds === 0 && p.interactions > 0 ? ["   no conversation_id: each answer is its own conversation for the holdout (regenerations of one turn may land on different sides)"] : []),
  ];
}

export async function runFeedbackLoop(o: RunLoopOptions, io: RunLoopIo = { stdout: process.stdout, stderr: process.stderr }, deps: RunLoopDeps = {}): Promise<RunLoopResult> {
  const t0 = performance.now();
  const tenantId = o.tenantId ?? "team";
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const fail = (msg: string): RunLoopResult => {
    io.stderr.write(`rlhf run: ${msg}\n`);
    return { exitCode: 2 };
  };

  // 1. Read and validate everything before anything starts.
  let text: string;
  try {
    text = await readFile(o.feedback, "utf8");
  } catch (err) {
    return fail(`cannot read ${o.feedback}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let read;
  try {
    read = readFeedbackText(o.feedback, text, o.format);
  } catch (err) {
    if (err instanceof InputFileError) return fail(`${o.feedback}: ${err.message}`);
    throw err;
  }
  const file = validateRows(read.rows);
  const issues: RowIssue[] = [...read.issues, ...file.issues].sort((a, b) => a.line - b.line);
  const rows = read.rows.length + new Set(read.issues.map((i) => i.line)).size;
  say(`rlhf run: ${o.feedback} (${read.format}), ${rows} rows`);
  if (read.ignoredColumns.length) say(`   ignoring columns that are not ours: ${read.ignoredColumns.join(", ")}`);
  if (issues.length) {
    const badRows = new Set(issues.map((i) => i.line)).size;
    say(`   ${badRows} bad row${badRows === 1 ? "" : "s"} (${issues.length} problem${issues.length === 1 ? "" : "s"}):`);
    for (const i of issues.slice(0, SHOWN_ISSUES)) say(`   line ${i.line}: ${i.path}: ${i.reason}`);
    if (issues.length > SHOWN_ISSUES) say(`   ... and ${issues.length - SHOWN_ISSUES} more`);
    if (!o.skipBad) return fail(`nothing was sent: fix the rows above, or pass --skip-bad to send the ${file.goodRows} good rows and leave these out`);
    say(`   --skip-bad: sending the ${file.goodRows} good rows, leaving ${badRows} out`);
  }
  if (file.interactions.length === 0) return fail(`${o.feedback}: no usable rows (every row needs an interaction_id, and some row must give its prompt and answer)`);
  const plan = planFor(file, tenantId);
  for (const l of planLines(plan, tenantId)) say(l);

  // 2. The loop, on the embedded stack.
  let stack: LoopStack;
  try {
    stack = await (deps.startStack ?? ((t, s) => startEmbeddedStack(undefined, t, s)))(tenantId, say);
  } catch (err) {
    io.stderr.write(`rlhf run: the embedded stack did not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return { exitCode: 1 };
  }
  const steps = new Steps(say);
  let snapshot: SnapshotFacts | undefined;
  let reward: RewardFacts | undefined;
  let rl: RlFacts | undefined;
  let canary: CanaryFacts | undefined;
  let watch: WatchFacts | undefined;
  const exports: { name: string; text: string }[] = [];
  const rewardLog = new TopicLog(stack.bus, stack.topics.rewardModels, RewardModelAnnouncementSchema, "run.reward-models");
  const reportLog = new TopicLog(stack.bus, stack.topics.canaryReports, CanaryReportAnnouncementSchema, "run.canary-reports");
  try {
    await rewardLog.start();
    await reportLog.start();
    const sent = await steps.run(STEP.ingest, async () => {
      const r = await sendEvents(file.interactions, file.signals, {
        url: stack.ingestUrl, apiKey: stack.apiKey,
        // Answers first, consumed everywhere, then the feedback: the canary's weekly watch folds its
        // two topics concurrently, and a week row created by both at once loses one side's counts.
        afterInteractions: () => caughtUpAll(stack),
        onProgress: (p) => say(`   ${p.sent} of ${p.total} events handed to the client, ${p.delivered} acknowledged`),
      });
      if (!r.complete) throw new Error(`ingestion acknowledged ${r.delivered} of ${r.sent} events (${r.dropped} dropped): ${r.errors.join("; ")}`);
      await caughtUpAll(stack);
      return { value: r, detail: `${r.delivered} events acknowledged (${file.interactions.length} answers, ${file.signals.length} feedback) and consumed by labeling, reward, rl-trainer and canary` };
    });

    if (sent) {
      if (plan.expertRows > 0) {
        await steps.run(STEP.rubric, async () => {
          const version = plan.rubricVersions.at(-1) ?? "rubric-v1";
          const criteria = plan.criteria.length ? plan.criteria.map((name) => ({ name, description: `"${name}", as the team's experts judged it` })) : [{ name: "overall", description: "Which answer is better overall" }];
          const r = await httpJson("POST", `${stack.labelingUrl}/v1/rubrics`, { version, title: `Expert rubric ${version}`, instructions: "Imported with the team's expert feedback.", criteria }, { authorization: `Bearer ${stack.labelingLeadKey}` });
          const marked = Number(r["pairsMarked"] ?? 0);
          const older = plan.rubricVersions.slice(0, -1);
          return { value: r, detail: `${version} published (criteria: ${criteria.map((c) => c.name).join(", ")}) for ${plan.expertRows} expert rows${older.length ? `; ${marked} expert pairs judged under ${older.join(", ")} are kept but superseded, left out of snapshots` : ""}` };
        });
      }

      snapshot = await steps.run(STEP.snapshot, async () => {
        const s = await buildSnapshot(stack, "team");
        return { value: s, detail: `${s.datasetId}: ${s.pairs} pairs from ${s.raters} raters (heaviest 5% of raters ${(100 * s.heavyShareBefore).toFixed(0)}% -> ${(100 * s.heavyShareAfter).toFixed(0)}% of weight after caps)` };
      });

      if (snapshot) {
        const sn = snapshot;
        reward = await steps.run(STEP.reward, async () => {
          const m = rewardFacts(await waitForRewardModel(stack, rewardLog, sn.datasetId));
          const flagged = m.checks.filter((c) => c.flagged);
          const measured = m.heldOutPairs > 0
            ? ""
            : " (no held-out pairs: the reward service holds out about 1 prompt in 5 with all its pairs, so it needs pairs on more distinct prompts to measure anything)";
          const detail =
            `${m.modelId}${measured}: held-out accuracy ${m.heldOutAccuracy.toFixed(3)} [${m.heldOutLow.toFixed(3)}, ${m.heldOutHigh.toFixed(3)}] on ${m.heldOutPairs} pairs, length-only rule ${m.lengthRuleAccuracy.toFixed(3)}; ` +
            (flagged.length ? `flagged: ${flagged.map((c) => `${c.name} ${c.value.toFixed(3)} (limit ${c.threshold})`).join(", ")}` : "no check flagged");
          if (!m.approved) throw new Error(`${detail}; NOT approved: a reward model that fails its diagnostics would teach the policy the proxy it flagged`);
          return { value: m, detail: `${detail}; approved` };
        });
        // A model that was not approved still belongs in the summary, with its diagnostics.
        reward ??= latestFacts(rewardLog, sn.datasetId);
      } else {
        steps.note(STEP.reward, "not_possible", "no dataset snapshot to train on");
      }

      if (o.out && snapshot) {
        const sn = snapshot;
        await steps.run(STEP.export, async () => {
          for (const [format, weights] of [["trl", true], ["openai-dpo", false], ["hh", false]] as const) exports.push({ name: `dataset.${format}.jsonl`, text: await exportDataset(stack, sn.datasetId, format, weights) });
          return { value: true, detail: `${sn.pairs} pairs of ${sn.datasetId} in three formats (TRL with weights)` };
        });
      }

      // RL and the canary: the canary set must exist before the candidate's final checkpoint lands.
      const gate = rlGate(plan, o.rl);
      const cgate = canaryGate(plan);
      const rlName = STEP.rl;
      const canaryName = STEP.canary;
      let rlBlocked: string | undefined;
      if (!gate.run) rlBlocked = gate.reason;
      else if (!reward) rlBlocked = "needs a reward model, and none was trained on this data";
      else if (!reward.approved) rlBlocked = "the reward model was not approved (see its flagged checks); RL against it would optimize the flaw the diagnostics found";
      if (rlBlocked) {
        // --rl asked for a run: not being able to is a failure, not a note.
        const skipped = !gate.run && gate.status === "skipped";
        steps.note(rlName, skipped ? "skipped" : o.rl === "on" ? "failed" : "not_possible", rlBlocked);
        const why = skipped ? "skipped" : "not_possible";
        steps.note(canaryName, why, `no candidate policy to judge (RL did not run)${cgate.ok ? "" : `; and ${cgate.reason}`}`);
      } else {
        if (gate.run && gate.warning) say(`   warning: ${gate.warning}`);
        const set = cgate.ok
          ? await steps.run(STEP.canarySet, async () => {
              const r = await httpJson("POST", `${stack.canaryUrl}/v1/canary-sets`, { tenantId, fromTraffic: { size: cgate.size, seed: o.seed } }, bearer(stack.canaryKey));
              return { value: String(r["setId"]), detail: `${String(r["tasks"])} tasks from ${String(r["pool"])} held-out answers, checked with the default template (at most 400 words)` };
            })
          : undefined;
        rl = await steps.run(rlName, async () => {
          const rm = rewardLog.messages.findLast((a) => a.model?.modelId === reward!.modelId)?.model;
          if (!rm) throw new Error(`reward model ${reward!.modelId} is no longer in the announcements read`);
          const r = await runRl(stack, rm, { steps: o.rlSteps, seed: o.seed }, say);
          return { value: r, detail: `${r.policyVersion}: ${r.outcome}. This trains the compact word-level stand-in policy on your logged answers, not your production model` };
        });
        if (!rl) steps.note(canaryName, "skipped", "the RL run did not produce a candidate");
        else if (!cgate.ok) steps.note(canaryName, "not_possible", cgate.reason);
        else if (!set) steps.note(canaryName, "skipped", "the canary set could not be built");
        else {
          const version = rl.policyVersion;
          canary = await steps.run(canaryName, async () => {
            const c = await waitForCanary(reportLog, version);
            // The page is a convenience: the decision above stands without it.
            const page = o.out ? await canaryReportHtml(stack, c.reportId).catch((err: unknown) => err instanceof Error ? err : new Error(String(err))) : undefined;
            if (typeof page === "string") exports.push({ name: "canary-report.html", text: page });
            else if (page) say(`   warning: the report page was not saved: ${page.message}`);
            const win = c.metrics.find((m) => m.name === "reward_win_rate");
            const checks = c.metrics.find((m) => m.name === "hard_check_pass");
            return {
              value: c,
              detail: `${c.decision.toUpperCase()} on ${c.tasks} tasks: ${c.reasons.map((r) => r.code).join(", ")}; reward win rate ${win ? `${(100 * win.candidate).toFixed(1)}%` : "n/a"}, hard checks ${checks ? `${(100 * checks.production).toFixed(1)}% -> ${(100 * checks.candidate).toFixed(1)}%` : "n/a"}, shape drift ${c.shapeDrift.join(", ") || "none"}. No gold utility without a simulator`,
            };
          });
        }
      }

      if (plan.dated === 0) steps.note(STEP.watch, "not_possible", "no row has occurred_at: the watch groups events by the week they happened");
      else {
        watch = await steps.run(STEP.watch, async () => {
          const w = await readWatch(stack);
          const latest = w.drift.at(-1);
          return {
            value: w,
            detail: `${w.weeks.length} week${w.weeks.length === 1 ? "" : "s"}${latest ? `; latest week ${latest.weekStart}: PSI ${latest.psi === null ? "n/a" : latest.psi.toFixed(3)}, ${latest.alerts.length ? latest.alerts.join("; ") : "no alerts"}` : ""}; retrain: ${w.retrain}${w.retrainReason ? ` (${w.retrainReason})` : ""}. RLHF fit: ${w.rlhfFit.message}`,
          };
        });
      }
    } else {
      for (const name of [STEP.snapshot, STEP.reward, STEP.rl, STEP.canary, STEP.watch]) steps.note(name, "skipped", "ingestion did not complete");
    }
  } finally {
    await rewardLog.stop();
    await reportLog.stop();
    say("\nstopping the services");
    await stack.stop();
  }

  const exitCode: 0 | 1 = steps.failed ? 1 : 0;
  const files: string[] = [];
  const summary: RunSummary = {
    file: o.feedback, format: read.format, rows, goodRows: file.goodRows, issues, ignoredColumns: read.ignoredColumns, plan, steps: steps.facts,
    ...(snapshot ? { snapshot } : {}), ...(reward ? { rewardModel: reward } : {}), ...(rl ? { rl } : {}), ...(canary ? { canary } : {}), ...(watch ? { watch } : {}),
    files, exitCode, seconds: (performance.now() - t0) / 1000,
  };
  if (o.out) {
    const dir = resolve(o.out);
    await mkdir(dir, { recursive: true });
    for (const e of exports) {
      await writeFile(join(dir, e.name), e.text);
      files.push(join(dir, e.name));
    }
    files.push(join(dir, "summary.json"), join(dir, "summary.md"));
    await writeFile(join(dir, "summary.json"), summaryJson(summary));
    await writeFile(join(dir, "summary.md"), renderMarkdown(summary));
  }
  io.stdout.write(`\n${renderMarkdown(summary)}`);
  return { exitCode, summary };
}

/** The last announced facts of the model trained on a snapshot, if any (a model that was not approved). */
function latestFacts(log: TopicLog<typeof RewardModelAnnouncementSchema>, datasetId: string): RewardFacts | undefined {
  const m = log.messages.findLast((a) => a.model?.datasetId === datasetId)?.model;
  return m ? rewardFacts(m) : undefined;
}
