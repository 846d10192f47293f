// The loop's steps as calls on the embedded stack: each goes through a service's own HTTP API or
// topic, as the demo does, and returns plain facts for the summary.
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { CanaryDecision, RewardModelStatus, RlRunRequestSchema, Topics, type CanaryReport, type CanaryReportAnnouncementSchema, type RewardModel, type RewardModelAnnouncementSchema } from "@rlhf-loop/proto";
import { bearer, httpJson } from "../demo/loop/http-json.js";
import type { LoopStack } from "../demo/loop/stack.js";
import { sleep, until, type TopicLog } from "../demo/loop/watchers.js";
import { NotPossible } from "./steps.js";

/** Waits until every consumer has read what was sent, the reward service's evidence tables included. */
export async function caughtUpAll(stack: LoopStack, timeoutMs = 300_000): Promise<void> {
  const groups = [...stack.consumers, { groupId: "reward-evidence", topics: [Topics.interactions, Topics.feedback] }];
  await until("the services to consume every event", timeoutMs, async () => {
    for (const c of groups) {
      const lag = await stack.bus.lag(c.groupId, c.topics);
      if (lag.some((p) => p.lag > 0)) return undefined;
    }
    return true;
  }, 500);
}

export interface SnapshotFacts {
  readonly datasetId: string;
  readonly pairs: number;
  readonly raters: number;
  readonly bySource: { key: string; share: number }[];
  readonly heavyShareBefore: number;
  readonly heavyShareAfter: number;
}

interface ManifestJson {
  datasetId: string;
  pairCount: string;
  raterCount?: string;
  heavyRatersShareBefore?: number;
  heavyRatersShareAfter?: number;
  bySource?: { key: string; shareAfter?: number }[];
}

export async function buildSnapshot(stack: LoopStack, name: string): Promise<SnapshotFacts> {
  let res: Record<string, unknown>;
  try {
    res = await httpJson("POST", `${stack.labelingUrl}/v1/datasets`, { name }, { authorization: `Bearer ${stack.labelingLeadKey}` });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // failed_precondition (HTTP 412): labeling found no pair to put in a snapshot.
    if (/HTTP 4\d\d/.test(msg) && /no pairs match/.test(msg)) {
      throw new NotPossible(
        "no preference pairs: votes pair only with opposite votes on the same prompt text (or a regenerated answer to the same turn), and comparisons pair as they are; " +
          "this file has no prompt with both an up and a down vote and no usable comparison (answers in held-out conversations never pair), so there is nothing to train a reward model on",
      );
    }
    throw err;
  }
  const m = res["manifest"] as ManifestJson;
  return {
    datasetId: m.datasetId,
    pairs: Number(m.pairCount),
    raters: Number(m.raterCount ?? 0),
    bySource: (m.bySource ?? []).map((s) => ({ key: s.key, share: s.shareAfter ?? 0 })),
    heavyShareBefore: m.heavyRatersShareBefore ?? 0,
    heavyShareAfter: m.heavyRatersShareAfter ?? 0,
  };
}

export interface RewardFacts {
  readonly modelId: string;
  readonly datasetId: string;
  readonly approved: boolean;
  readonly heldOutAccuracy: number;
  readonly heldOutLow: number;
  readonly heldOutHigh: number;
  readonly lengthRuleAccuracy: number;
  readonly trainPairs: number;
  readonly heldOutPairs: number;
  readonly checks: { name: string; value: number; threshold: number; flagged: boolean; detail: string }[];
}

export function rewardFacts(m: RewardModel): RewardFacts {
  return {
    modelId: m.modelId,
    datasetId: m.datasetId,
    approved: m.status === RewardModelStatus.APPROVED,
    heldOutAccuracy: m.heldOutAccuracy,
    heldOutLow: m.heldOutAccuracyLo,
    heldOutHigh: m.heldOutAccuracyHi,
    lengthRuleAccuracy: m.lengthRuleAccuracy,
    trainPairs: Number(m.trainPairs),
    heldOutPairs: Number(m.heldOutPairs),
    checks: m.checks.map((c) => ({ name: c.name, value: c.value, threshold: c.threshold, flagged: c.flagged, detail: c.detail })),
  };
}

/**
 * Waits for the reward model trained on a snapshot (approved, or registered with a flagged check).
 * The reward service announces nothing when training throws, so its run table is read for that.
 */
export async function waitForRewardModel(stack: LoopStack, log: TopicLog<typeof RewardModelAnnouncementSchema>, datasetId: string, timeoutMs = 600_000): Promise<RewardModel> {
  const ann = await until(`a reward model trained on ${datasetId}`, timeoutMs, async () => {
    const found = log.messages.find((a) => a.model?.datasetId === datasetId && (a.model.status === RewardModelStatus.APPROVED || !a.model.diagnosticsPassed));
    if (found) return found;
    const run = await stack.pool
      .query<{ status: string; error: string | null }>("select status, error from reward.training_runs where dataset_id = $1", [datasetId])
      .catch(() => ({ rows: [] as { status: string; error: string | null }[] }));
    const r = run.rows[0];
    if (r?.status === "failed") throw new Error(`reward training on ${datasetId} failed: ${r.error ?? "no error recorded"}`);
    return undefined;
  }, 500);
  return ann.model!;
}

export interface RlFacts {
  readonly runId: string;
  readonly status: string;
  readonly policyVersion: string;
  readonly outcome: string;
  readonly steps: { step: number; kl: number; reward: number; length: number }[];
}

export async function runRl(stack: LoopStack, rm: RewardModel, o: { steps: number; seed: number }, say: (line: string) => void): Promise<RlFacts> {
  // The trainer refuses a run whose reward model it has not seen announced yet.
  await until("rl-trainer to read the reward model's announcement", 60_000, async () => {
    const lag = await stack.bus.lag("rl-trainer.reward-models", [stack.topics.rewardModels]);
    return lag.every((p) => p.lag === 0) ? true : undefined;
  });
  const runId = `team-rl-s${o.seed}-${Date.now().toString(36)}`;
  await stack.bus.publish(stack.topics.rlRuns, RlRunRequestSchema, [{
    key: runId,
    message: create(RlRunRequestSchema, {
      runId, tenantId: stack.tenantId, rewardModelId: rm.modelId, datasetId: rm.datasetId, referenceId: "", requestedAt: timestampNow(),
      config: { algorithm: "rloo", steps: o.steps, beta: 0.5, samplesPerPrompt: 4, promptsPerStep: 32, learningRate: 0.002, seed: o.seed },
    }),
  }]);
  let shown = 0;
  const t0 = Date.now();
  for (;;) {
    await sleep(1_000);
    const r = await httpJson("GET", `${stack.rlUrl}/v1/runs/${encodeURIComponent(runId)}`, undefined, bearer(stack.policyKey)).catch(() => undefined);
    if (!r) {
      if (Date.now() - t0 > 60_000) throw new Error(`rl-trainer did not accept run ${runId} within 60 s (see its log for the request's error)`);
      continue;
    }
    const run = r["run"] as { status: string; policyVersion: string; stopReason: string; stopDetail: string; error: string };
    const steps = ((r["steps"] ?? []) as { step: number; kl: number; reward: number; length: number }[]).map((s) => ({ step: s.step, kl: s.kl, reward: s.reward, length: s.length }));
    for (const s of steps.slice(shown)) say(`   step ${s.step}: reward ${s.reward.toFixed(3)}, KL ${s.kl.toFixed(2)} nats, ${s.length.toFixed(0)} words`);
    shown = Math.max(shown, steps.length);
    if (run.status === "queued" || run.status === "running") continue;
    if (run.status === "failed") throw new Error(`RL run ${runId} failed: ${run.error}`);
    const outcome = run.status === "stopped" ? `stopped by a guardrail: ${run.stopReason} (${run.stopDetail})` : run.status;
    return { runId, status: run.status, policyVersion: run.policyVersion, outcome, steps };
  }
}

export interface CanaryFacts {
  readonly reportId: string;
  readonly decision: "promote" | "hold" | "reject";
  readonly tasks: number;
  readonly reasons: { code: string; message: string }[];
  readonly metrics: { name: string; candidate: number; production: number; delta: number; deltaLow: number; deltaHigh: number }[];
  readonly shapeDrift: string[];
}

const DECISION: Record<number, CanaryFacts["decision"]> = { [CanaryDecision.PROMOTE]: "promote", [CanaryDecision.HOLD]: "hold", [CanaryDecision.REJECT]: "reject" };

export async function waitForCanary(log: TopicLog<typeof CanaryReportAnnouncementSchema>, version: string, timeoutMs = 600_000): Promise<CanaryFacts> {
  const report: CanaryReport = (await log.find(`the canary report on ${version}`, timeoutMs, (a) => a.report?.candidateVersion === version)).report!;
  return {
    reportId: report.reportId,
    decision: DECISION[report.decision] ?? "hold",
    tasks: report.tasks,
    reasons: report.reasons.map((r) => ({ code: r.code, message: r.message })),
    metrics: report.metrics.filter((m) => m.intent === "").map((m) => ({ name: m.name, candidate: m.candidate, production: m.production, delta: m.delta, deltaLow: m.deltaLow, deltaHigh: m.deltaHigh })),
    shapeDrift: report.reasons.map((r) => r.code).filter((c) => c.endsWith("_everywhere")),
  };
}

export interface WatchFacts {
  readonly weeks: { weekStart: string; questions: number; thumbsUp: number; thumbsDown: number; coded: number }[];
  readonly drift: { weekStart: string; psi: number | null; alerts: string[]; retrain: string; reason: string }[];
  readonly retrain: string;
  readonly retrainReason: string;
  readonly rlhfFit: { recommendation: string; message: string };
}

interface WatchJson {
  weeks?: { weekStart: string; questions: number; segments: Record<string, { thumbsUp: number; thumbsDown: number }>; thumbsDown: { coded: number } }[];
  drift?: { weekStart: string; psi: number | null; alerts: { kind: string; message: string }[]; retrain: string; reason: string }[];
  retrain?: string;
  retrainReason?: string;
  rlhfFit?: { recommendation: string; message: string };
}

export async function readWatch(stack: LoopStack): Promise<WatchFacts> {
  const w = (await httpJson("GET", `${stack.canaryUrl}/v1/tenants/${encodeURIComponent(stack.tenantId)}/watch`, undefined, bearer(stack.canaryKey))) as WatchJson;
  const sum = (segs: Record<string, { thumbsUp: number; thumbsDown: number }>, k: "thumbsUp" | "thumbsDown") => Object.values(segs).reduce((s, x) => s + x[k], 0);
  return {
    weeks: (w.weeks ?? []).map((x) => ({ weekStart: x.weekStart, questions: x.questions, thumbsUp: sum(x.segments, "thumbsUp"), thumbsDown: sum(x.segments, "thumbsDown"), coded: x.thumbsDown.coded })),
    drift: (w.drift ?? []).map((d) => ({ weekStart: d.weekStart, psi: d.psi, alerts: d.alerts.map((a) => `${a.kind}: ${a.message}`), retrain: d.retrain, reason: d.reason })),
    retrain: w.retrain ?? "n/a",
    retrainReason: w.retrainReason ?? "",
    rlhfFit: { recommendation: w.rlhfFit?.recommendation ?? "insufficient_data", message: w.rlhfFit?.message ?? "" },
  };
}

/** A snapshot in a trainer's format (JSONL text), through labeling's export route. */
export async function exportDataset(stack: LoopStack, datasetId: string, format: "trl" | "openai-dpo" | "hh", weights: boolean): Promise<string> {
  const url = `${stack.labelingUrl}/v1/datasets/${encodeURIComponent(datasetId)}/export?format=${format}${weights ? "&weights=true" : ""}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${stack.labelingLeadKey}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`export ${format}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/** The report's HTML page; the announcement can land before the report is stored, so this waits for it. */
export async function canaryReportHtml(stack: LoopStack, reportId: string, timeoutMs = 60_000): Promise<string> {
  const url = `${stack.canaryUrl}/v1/reports/${encodeURIComponent(reportId)}`;
  await until(`the canary report ${reportId} to be stored`, timeoutMs, async () => {
    const r = await httpJson("GET", url, undefined, bearer(stack.canaryKey)).catch(() => undefined);
    return r?.["report"] ? true : undefined;
  }, 500);
  const res = await fetch(`${url}/html`, { headers: bearer(stack.canaryKey) });
  if (!res.ok) throw new Error(`canary report page: HTTP ${res.status}`);
  return res.text();
}
