// The demo scenario on any LoopStack: two weeks of the simulated product through the whole loop,
// with a second arm that trains on length-biased clickers only. Every step goes through the services'
// own APIs and topics; the hidden truth (gold utility) is read only from the simulator's events.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { runDatasetImport } from "@rlhf-loop/labeling";
import { CanaryDecision, CanaryReportAnnouncementSchema, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema, type CanaryReport, type RewardModel } from "@rlhf-loop/proto";
import { simPairs } from "@rlhf-loop/rl-trainer";
import { streamWorld, type World } from "@rlhf-loop/sim";
import type { CanaryDecisionFacts, DatasetWeights, DemoReportData, DriftFacts, RewardModelFacts, RlCurve, ShapeSample } from "../report/types.js";
import { DAYS, DRIFT_DAY, RUBRIC_CHANGE_DAY } from "./demo-world.js";
import type { DayTracker } from "./day-tracker.js";
import { bearer, httpJson } from "./http-json.js";
import { servedPolicy } from "./served-policy.js";
import type { LoopStack } from "./stack.js";
import { Stages } from "./stages.js";
import { caughtUp, sleep, TopicLog } from "./watchers.js";

export interface ScenarioOptions {
  readonly seed: number;
  readonly ratePerSec: number;
  readonly canaryTasks: number;
  readonly rlSteps: number;
  readonly promptsPerStep: number;
  /** First cycle trains on days 0 .. firstCycleDays-1; the promoted policy answers from then on. */
  readonly firstCycleDays: number;
}

export const MAIN_ARM = "main";
export const BIASED_ARM = "biased-clickers";

/** The criteria the simulated experts judge (sim CRITERIA), as the team's rubric. */
const RUBRIC = {
  criteria: [
    { name: "resolution", description: "Resolves the request within policy" },
    { name: "guidance", description: "Gives the steps needed" },
    { name: "tone", description: "Warm when the customer is upset" },
    { name: "style", description: "Concise, no needless hedges" },
  ],
};

const DECISION: Record<number, CanaryDecisionFacts["decision"]> = { [CanaryDecision.PROMOTE]: "promote", [CanaryDecision.HOLD]: "hold", [CanaryDecision.REJECT]: "reject" };

interface ManifestJson {
  datasetId: string;
  pairCount: string;
  heavyRatersShareBefore?: number;
  heavyRatersShareAfter?: number;
  byRater?: { key: string; shareBefore?: number; shareAfter?: number }[];
  bySegment?: { key: string; shareBefore?: number; shareAfter?: number }[];
  byRubricVersion?: { key: string; pairs?: string }[];
}

function weightsOf(arm: string, m: ManifestJson): DatasetWeights {
  const shares = (xs: ManifestJson["byRater"]) => (xs ?? []).map((s) => ({ key: s.key, before: s.shareBefore ?? 0, after: s.shareAfter ?? 0 }));
  return {
    arm,
    datasetId: m.datasetId,
    pairs: Number(m.pairCount),
    heavyShareBefore: m.heavyRatersShareBefore ?? 0,
    heavyShareAfter: m.heavyRatersShareAfter ?? 0,
    raters: shares(m.byRater).sort((a, b) => b.before - a.before).slice(0, 10),
    segments: shares(m.bySegment),
  };
}

function rewardFacts(arm: string, m: RewardModel): RewardModelFacts {
  return {
    arm,
    modelId: m.modelId,
    heldOutAccuracy: m.heldOutAccuracy,
    checks: m.checks.map((c) => ({ name: c.name, value: c.value, flagged: c.flagged, detail: c.detail })),
    status: RewardModelStatus[m.status] ?? "UNSPECIFIED",
  };
}

export async function runScenario(stack: LoopStack, world: World, tracker: DayTracker, o: ScenarioOptions, say: (line: string) => void): Promise<{ data: DemoReportData; ok: boolean }> {
  const t0 = Date.now();
  const stages = new Stages(say);
  const rewardLog = await new TopicLog(stack.bus, stack.topics.rewardModels, RewardModelAnnouncementSchema, "demo.reward-models").start();
  const reportLog = await new TopicLog(stack.bus, stack.topics.canaryReports, CanaryReportAnnouncementSchema, "demo.canary-reports").start();
  const lead = { authorization: `Bearer ${stack.labelingLeadKey}` };
  const promotions: DemoReportData["promotions"][number][] = [];
  const rlCurves: RlCurve[] = [];
  const shapes: ShapeSample[] = [];
  const datasets: DatasetWeights[] = [];
  const rewardModels: RewardModelFacts[] = [];
  const canary: CanaryDecisionFacts[] = [];
  const drift: DriftFacts[] = [];
  const events: DemoReportData["events"][number][] = [];
  const closers: (() => void)[] = [];
  /** Chats the served policies answered empty and were sampled again (servedPolicy). */
  const regeneratedCounts: (() => number)[] = [];

  const stream = async (fromDay: number, days: number): Promise<string> => {
    let last = 0;
    const r = await streamWorld(world, {
      fromDay, days, ratePerSec: o.ratePerSec, target: stack.ingestUrl, apiKey: stack.apiKey, onEvent: tracker.onEvent,
      onProgress: (p) => {
        if (p.done || Date.now() - last > 3_000) {
          last = Date.now();
          say(`   day ${p.day}: ${p.delivered} delivered (${Math.round(100 * p.fraction)}%)`);
        }
      },
    });
    if (!r.complete) throw new Error(`ingestion acknowledged ${r.delivered} of ${r.sent} events: ${r.errors.join("; ")}`);
    await caughtUp(stack);
    return `${r.delivered} events acknowledged by ingestion and consumed by labeling, reward, rl-trainer and canary`;
  };

  const snapshot = async (arm: string, body: Record<string, unknown>) => {
    const res = await httpJson("POST", `${stack.labelingUrl}/v1/datasets`, body, lead);
    const m = res["manifest"] as ManifestJson;
    datasets.push(weightsOf(arm, m));
    return m;
  };

  const rewardModelFor = async (arm: string, datasetId: string): Promise<RewardModel> => {
    const ann = await rewardLog.find(`a reward model trained on ${datasetId}`, 600_000, (a) => a.model?.datasetId === datasetId && (a.model.status === RewardModelStatus.APPROVED || !a.model.diagnosticsPassed));
    const m = ann.model!;
    rewardModels.push(rewardFacts(arm, m));
    return m;
  };

  // Runs after the first share its reference (the frozen KL anchor), so it is fitted once.
  let referenceId = "";
  const rlRun = async (arm: string, cycle: number, rm: RewardModel, config: { beta: number; seed: number }): Promise<{ version: string; outcome: string }> => {
    const runId = `${arm}-c${cycle}-s${o.seed}`;
    await stack.bus.publish(stack.topics.rlRuns, RlRunRequestSchema, [{
      key: runId,
      message: create(RlRunRequestSchema, {
        runId, tenantId: stack.tenantId, rewardModelId: rm.modelId, datasetId: rm.datasetId, referenceId, requestedAt: timestampNow(),
        config: { algorithm: "rloo", steps: o.rlSteps, beta: config.beta, samplesPerPrompt: 4, promptsPerStep: o.promptsPerStep, learningRate: 0.002, seed: config.seed },
      }),
    }]);
    let shown = 0;
    for (;;) {
      await sleep(1_000);
      const r = await httpJson("GET", `${stack.rlUrl}/v1/runs/${encodeURIComponent(runId)}`, undefined, bearer(stack.policyKey)).catch(() => undefined);
      if (!r) continue;
      const run = r["run"] as { status: string; policyVersion: string; stopReason: string; stopDetail: string; error: string; referenceId: string };
      const steps = (r["steps"] ?? []) as { step: number; kl: number; reward: number; gold?: number; length: number }[];
      for (const s of steps.slice(shown)) say(`   step ${s.step}: reward ${s.reward.toFixed(3)}, KL ${s.kl.toFixed(2)}, gold ${s.gold?.toFixed(3) ?? "n/a"}, ${s.length.toFixed(0)} words`);
      shown = Math.max(shown, steps.length);
      if (run.status === "queued" || run.status === "running") continue;
      if (run.status === "failed") throw new Error(`RL run ${runId} failed: ${run.error}`);
      referenceId ||= run.referenceId;
      const outcome = run.status === "stopped" ? `stopped: ${run.stopReason} (${run.stopDetail})` : run.status;
      rlCurves.push({ arm, cycle, runId, outcome, points: steps.map((s) => ({ step: s.step, kl: s.kl, reward: s.reward, ...(s.gold !== undefined ? { gold: s.gold } : {}) })) });
      return { version: run.policyVersion, outcome };
    }
  };

  const canaryOf = async (arm: string, cycle: number, version: string): Promise<CanaryReport> => {
    const report = (await reportLog.find(`the canary report on ${version}`, 600_000, (a) => a.report?.candidateVersion === version)).report!;
    const all = (name: string) => report.metrics.find((m) => m.name === name && m.intent === "");
    const decision = DECISION[report.decision] ?? "hold";
    canary.push({
      arm, cycle, candidate: version, decision, reportId: report.reportId,
      reasons: report.reasons.map((r) => ({ code: r.code, message: r.message })),
      ...(all("gold") ? { goldBefore: all("gold")!.production, goldAfter: all("gold")!.candidate } : {}),
      ...(all("reward_win_rate") ? { winRate: all("reward_win_rate")!.candidate } : {}),
    });
    const doc = (await httpJson("GET", `${stack.canaryUrl}/v1/reports/${encodeURIComponent(report.reportId)}`, undefined, bearer(stack.canaryKey)))["report"] as { lengths: { candidate: number[]; production: number[] } } | undefined;
    const rate = (side: "candidate" | "production") => all("refusal_rate")?.[side] ?? 0;
    if (doc) {
      if (!shapes.some((s) => s.label.startsWith("production") && s.arm === arm)) shapes.push({ arm, label: `production (${report.productionVersion || "logged bot answers"})`, lengths: doc.lengths.production, refusalRate: rate("production") });
      shapes.push({ arm, label: `candidate cycle ${cycle}`, lengths: doc.lengths.candidate, refusalRate: rate("candidate") });
    }
    say(`   canary: ${decision.toUpperCase()} — ${report.reasons.map((r) => r.code).join(", ")}`);
    return report;
  };

  const track = async (day: number): Promise<string> => {
    const at = new Date(world.startMs + day * 86_400_000).toISOString();
    const r = await httpJson("POST", `${stack.canaryUrl}/v1/tenants/${encodeURIComponent(stack.tenantId)}/track`, { at }, bearer(stack.canaryKey));
    const p = r["point"] as { weekStart: string; policyVersion: string; figures: Record<string, { estimate: number }> };
    const regressions = (r["regressions"] ?? []) as { message: string }[];
    const f = (k: string) => p.figures[k]?.estimate.toFixed(3) ?? "n/a";
    return `week ${p.weekStart}: ${p.policyVersion || "logged answers"} on the canary set: hard checks ${f("hard_check_pass")}, gold ${f("gold")}, ${f("length_words")} words; ${regressions.length ? `regressions: ${regressions.map((x) => x.message).join("; ")}` : "no regression"}`;
  };

  const promoteFrom = (version: string, day: number): void => {
    const served = servedPolicy(stack.rlGrpc, stack.tenantId, version, stack.policyKey);
    closers.push(served.close);
    regeneratedCounts.push(served.regenerated);
    world.usePolicy(served.policy, { fromDay: day });
    promotions.push({ arm: MAIN_ARM, day, policyVersion: version });
  };

  try {
    const d1 = o.firstCycleDays;
    await stages.run("labeling: the team's first rubric", async () => {
      const r = await httpJson("POST", `${stack.labelingUrl}/v1/rubrics`, { ...RUBRIC, version: "rubric-v1", title: "Support answers, v1", instructions: "Judge resolution, guidance, tone and style; every answer needs a disclaimer." }, lead);
      return { value: r, detail: "rubric-v1 published: expert judgments are collected under it" };
    });
    await stages.run(`week 1: traffic and feedback, days 0-${d1 - 1}`, async () => ({ value: true, detail: await stream(0, d1) }));

    const set = await stages.run("canary set from held-out traffic", async () => {
      const r = await httpJson("POST", `${stack.canaryUrl}/v1/canary-sets`, { tenantId: stack.tenantId, fromTraffic: { size: o.canaryTasks, seed: o.seed, checks: "sim-support" } }, bearer(stack.canaryKey));
      return { value: r, detail: `${String(r["tasks"])} tasks (set ${String(r["setId"])}) from ${String(r["pool"])} held-out chats, stratified over ${Object.keys((r["intents"] ?? {}) as object).length} intents` };
    });
    void set;

    const rm1 = await stages.run("labeling snapshot and reward model (cycle 1)", async () => {
      const m = await snapshot(MAIN_ARM, { name: "main" });
      const rm = await rewardModelFor(MAIN_ARM, m.datasetId);
      const flagged = rm.checks.filter((c) => c.flagged).map((c) => c.name);
      if (rm.status !== RewardModelStatus.APPROVED) throw new Error(`reward model ${rm.modelId} was not approved: flagged ${flagged.join(", ")}`);
      return { value: rm, detail: `${m.datasetId}: ${m.pairCount} pairs (heavy raters ${(100 * (m.heavyRatersShareBefore ?? 0)).toFixed(0)}% -> ${(100 * (m.heavyRatersShareAfter ?? 0)).toFixed(0)}% of weight); ${rm.modelId} held-out accuracy ${rm.heldOutAccuracy.toFixed(3)}, approved` };
    });

    const c1 = rm1 && (await stages.run("RL cycle 1 (RLOO, KL-regularized)", async () => {
      const r = await rlRun(MAIN_ARM, 1, rm1, { beta: 0.5, seed: o.seed });
      return { value: r, detail: `${r.version}: ${r.outcome}` };
    }));

    const promoted1 = c1 && (await stages.run("canary gate (cycle 1)", async () => {
      const report = await canaryOf(MAIN_ARM, 1, c1.version);
      if (report.decision !== CanaryDecision.PROMOTE) throw new Error(`the canary did not promote ${c1.version}: ${report.reasons.map((r) => `${r.code}: ${r.message}`).join("; ")}`);
      promoteFrom(c1.version, d1);
      events.push({ day: d1, text: `${c1.version} promoted: it answers the product's traffic from day ${d1}` });
      return { value: c1.version, detail: `${c1.version} promoted; it answers the traffic from day ${d1}` };
    }));

    await stages.run("weekly tracking: the served policy on the canary set (week 1)", async () => ({ value: true, detail: await track(d1) }));

    // The second arm: a team that trained only on its heaviest, length-biased clickers, without caps.
    const biased = promoted1 && (await stages.run("second arm: reward model from length-biased heavy clickers only", async () => {
      const chats = tracker.chats.filter((c) => c.day < d1);
      const pairs = simPairs(world, chats, "length-biased", { seed: o.seed, scale: 3 });
      const dir = mkdtempSync(join(tmpdir(), "rlhf-demo-"));
      const file = join(dir, "biased-clickers.jsonl");
      writeFileSync(file, pairs.map((p) => JSON.stringify({ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected })).join("\n") + "\n");
      const imported = await runDatasetImport({ databaseUrl: stack.databaseUrl, schema: stack.labelingSchema, tenantId: stack.tenantId, file, name: "biased-clickers", format: "trl" }, { stdout: { write: () => true }, stderr: { write: (s: string) => say(`   ${s.trim()}`) } });
      if (!imported.result) throw new Error("the biased clickers' pairs could not be imported");
      datasets.push({ arm: BIASED_ARM, datasetId: imported.result.datasetId, pairs: imported.result.pairs, heavyShareBefore: 1, heavyShareAfter: 1, raters: [], segments: [] });
      const rm = await rewardModelFor(BIASED_ARM, imported.result.datasetId);
      const flagged = rm.checks.filter((c) => c.flagged);
      return { value: rm, detail: `${imported.result.pairs} pairs; ${rm.modelId}: ${flagged.length ? `proxy check fired (${flagged.map((c) => c.name).join(", ")})` : "no check flagged"}, status ${RewardModelStatus[rm.status]}` };
    }));

    const biasedRun = biased && (await stages.run("second arm: RL against the biased reward model", async () => {
      const r = await rlRun(BIASED_ARM, 1, biased, { beta: 0.05, seed: o.seed + 1 });
      return { value: r, detail: `${r.version}: ${r.outcome}` };
    }));

    if (biasedRun) await stages.run("second arm: canary gate", async () => {
      const report = await canaryOf(BIASED_ARM, 1, biasedRun.version);
      if (report.decision === CanaryDecision.PROMOTE) throw new Error(`the biased arm's checkpoint was promoted`);
      return { value: true, detail: `${DECISION[report.decision]}: ${report.reasons.map((r) => r.code).join(", ")}` };
    });

    await stages.run(`week 1 end and week 2: the promoted policy answers; drift on day ${DRIFT_DAY}, rubric change on day ${RUBRIC_CHANGE_DAY}`, async () => {
      const a = await stream(d1, RUBRIC_CHANGE_DAY - d1);
      events.push({ day: DRIFT_DAY, text: "product change: intent mix drifts, a new intent appears" });
      const published = await httpJson("POST", `${stack.labelingUrl}/v1/rubrics`, { ...RUBRIC, version: "rubric-v2", title: "Support answers, v2", instructions: "Judge resolution, guidance, tone and style; disclaimers are no longer required.", changeNote: "Disclaimers no longer required (policy review)" }, lead);
      const paused = String(published["pausedVersion"] ?? "");
      events.push({ day: RUBRIC_CHANGE_DAY, text: `rubric-v2 published: collection under ${paused || "the previous version"} paused, resumed under rubric-v2` });
      const b = await stream(RUBRIC_CHANGE_DAY, DAYS - RUBRIC_CHANGE_DAY);
      const regenerated = regeneratedCounts.reduce((n, f) => n + f(), 0);
      return { value: true, detail: `${a}; rubric-v2 published (paused ${paused || "none"}); ${b}; ${regenerated} empty answer(s) sampled again` };
    });

    await stages.run("production watch: weekly drift", async () => {
      const w = await httpJson("GET", `${stack.canaryUrl}/v1/tenants/${encodeURIComponent(stack.tenantId)}/watch`, undefined, bearer(stack.canaryKey));
      const reports = (w["drift"] ?? []) as { weekStart: string; psi: number | null; alerts: { kind: string; message: string }[]; retrain: string }[];
      for (const r of reports) drift.push({ week: r.weekStart, psi: r.psi, alerts: r.alerts.map((a) => `${a.kind}: ${a.message}`), retrain: r.retrain });
      const latest = reports.at(-1);
      if (!latest?.alerts.some((a) => a.kind === "intent_mix")) throw new Error(`no intent-mix drift alert for week 2 (PSI ${latest?.psi ?? "n/a"})`);
      const fit = w["rlhfFit"] as { message?: string } | undefined;
      const tracked = await track(DAYS - 1);
      return { value: true, detail: `${tracked}. Week ${latest.weekStart}: PSI ${latest.psi?.toFixed(3)}, alerts: ${latest.alerts.map((a) => a.kind).join(", ")}; retrain: ${latest.retrain}. ${fit?.message ?? ""}` };
    });

    const rm2 = await stages.run("cycle 2: new snapshot and reward model after the drift", async () => {
      const m = await snapshot(MAIN_ARM, { name: "main", policy: { includeSuperseded: false } });
      const rm = await rewardModelFor(MAIN_ARM, m.datasetId);
      // Expert pairs by rubric version: v1's superseded judgments stay out, v2's show collection resumed.
      const rubrics = (m.byRubricVersion ?? []).filter((r) => r.key).map((r) => `${r.key} ${r.pairs ?? 0}`).join(", ");
      if (rubrics) events.push({ day: RUBRIC_CHANGE_DAY, text: `expert pairs in main@2 by rubric: ${rubrics}` });
      return { value: rm, detail: `${m.datasetId}: ${m.pairCount} pairs (expert pairs by rubric: ${rubrics || "none"}); ${rm.modelId} held-out accuracy ${rm.heldOutAccuracy.toFixed(3)}, ${RewardModelStatus[rm.status]}` };
    });
    const c2 = rm2 && (await stages.run("RL cycle 2", async () => {
      const r = await rlRun(MAIN_ARM, 2, rm2, { beta: 0.5, seed: o.seed + 2 });
      return { value: r, detail: `${r.version}: ${r.outcome}` };
    }));
    if (c2) await stages.run("canary gate (cycle 2), against the promoted policy", async () => {
      const report = await canaryOf(MAIN_ARM, 2, c2.version);
      return { value: true, detail: `${DECISION[report.decision]} vs ${report.productionVersion || "logged answers"}: ${report.reasons.map((r) => r.code).join(", ")}` };
    });

    // The loop must have closed: gold after promotion above gold before, on the traffic itself.
    const days = tracker.points();
    const before = days.filter((d) => d.day < d1);
    const after = days.filter((d) => d.day >= d1);
    const mean = (xs: readonly { gold: number; interactions: number }[]) => xs.reduce((s, d) => s + d.gold * d.interactions, 0) / Math.max(1, xs.reduce((s, d) => s + d.interactions, 0));
    if (stages.ok && after.length && mean(after) <= mean(before)) stages.fail("outcome", `gold utility did not rise after promotion: ${mean(before).toFixed(3)} -> ${mean(after).toFixed(3)}`);

    const data: DemoReportData = {
      title: "rlhf-loop demo: the simulated support product, two weeks",
      mode: stack.mode, seed: o.seed, startedAt: new Date(t0).toISOString(), seconds: (Date.now() - t0) / 1000,
      days, promotions, rlCurves, shapes, datasets, rewardModels, canary, drift, stages: stages.facts, events,
    };
    return { data, ok: stages.ok };
  } finally {
    for (const c of closers) c();
    await rewardLog.stop();
    await reportLog.stop();
  }
}
