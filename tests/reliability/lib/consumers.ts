/**
 * The later consumers under SIGKILL (issue 10, "SIGKILL each consumer mid-batch"), as one chain
 * on a fresh ingestion deployment, each service its own process with its own pid:
 *
 *   sim ─► ingestion ─► labeling ─► (snapshot) ─► reward ─► (run request) ─► rl-trainer ─► canary
 *
 * Each stage is a scenario row: the stage's consumer is SIGKILLed while it works, restarted a
 * second later, and its output reconciled against what it should have made. A stage not asked
 * for still runs (a later one needs its output) but without a fault and without a row.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { createKafkaBus, createLogger, createMetrics, type Bus } from "@rlhf-loop/kit";
import { CanaryReportAnnouncementSchema, PolicyAnnouncementSchema, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema } from "@rlhf-loop/proto";
import { createWorld, defaultWorldConfig, streamWorld } from "@rlhf-loop/sim";
import { Kafka, logLevel } from "kafkajs";
import { AckRecorder } from "./acks.js";
import { labelingInput, reconcileLabeling, waitForLabeling } from "./labeling-check.js";
import { startDeployment, type Deployment, type ServiceProcess } from "./procs.js";
import { reconcile, recoverySeconds } from "./reconcile.js";
import { createCanarySet, createSnapshot, defineLoopProcesses, ensureLoopTopics, loopNames, type LoopNames, type LoopProcesses, type LoopSettings } from "./services.js";
import { bounded, sleep, type RunEnv, type ScenarioRow } from "./scenario.js";
import { readTopic } from "./topics.js";

export const CONSUMER_STAGES = ["labeling", "reward", "rl-trainer", "canary"] as const;
export type ConsumerStage = (typeof CONSUMER_STAGES)[number];

export const CONSUMER_SCENARIOS: Record<ConsumerStage, string> = {
  labeling: "labeling SIGKILL mid-batch",
  reward: "reward SIGKILL during training",
  "rl-trainer": "rl-trainer SIGKILL mid-run",
  canary: "canary SIGKILL mid-run",
};

/** A small RL run: a few seconds of steps on this machine, four checkpoints at RL_CHECKPOINT_EVERY 2. */
const RL_DEFAULTS = { steps: 8, promptsPerStep: 8, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 5 };

export interface ConsumerScenarioOptions {
  /** Stages that get a fault and a row; the chain runs up to the last of them. */
  stages: readonly ConsumerStage[];
  ratePerSec?: number;
  streamSeconds?: number;
  faultAfterSeconds?: number;
  seed?: number;
  rl?: Partial<typeof RL_DEFAULTS>;
  canarySetSize?: number;
  settings?: Partial<LoopSettings>;
}

function emptyRow(scenario: string): ScenarioRow {
  return { scenario, sent: 0, acknowledged: 0, stored: 0, lost: 0, duplicated: 0, recoverySeconds: null, dropped: 0, topicLost: 0, topicRedelivered: 0, seconds: 0, notes: [], failures: [] };
}

async function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>, pollMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(pollMs);
  }
}

/** Records a consumer group has not yet committed on its topics. */
async function groupLag(brokers: string, groupId: string, topics: string[]): Promise<number> {
  const admin = new Kafka({ clientId: "reliability-lag", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let lag = 0;
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const p of ends) {
        const c = mine.find((m) => m.partition === p.partition)?.offset ?? "-1";
        lag += Number(BigInt(p.high) - (c === "-1" ? BigInt(p.low) : BigInt(c)));
      }
    }
    return lag;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** SIGKILL, a second down, start again; returns the fault time and a note. */
async function killAndRestart(p: ServiceProcess): Promise<{ faultAt: number; note: string }> {
  const pid = p.pid;
  const faultAt = Date.now();
  await p.kill();
  await sleep(1_000);
  const t = Date.now();
  await p.start(120_000);
  return { faultAt, note: `killed pid ${pid}, restarted as ${p.pid} (ready in ${((Date.now() - t) / 1000).toFixed(1)} s)` };
}

interface Chain {
  env: RunEnv;
  o: ConsumerScenarioOptions;
  dep: Deployment;
  names: LoopNames;
  procs: LoopProcesses;
  bus: Bus;
  log: (l: string) => void;
  /** Filled by the labeling stage, read by the reward stage. */
  datasetId?: string;
  rewardModelId?: string;
  finals: string[];
  /** What the canary set was made from (a note for the canary row). */
  canarySetNote?: string;
}

export async function runConsumerScenarios(env: RunEnv, o: ConsumerScenarioOptions): Promise<ScenarioRow[]> {
  const log = env.log ?? (() => undefined);
  if (o.stages.length === 0) return [];
  const wanted = new Set(o.stages);
  const lastIndex = Math.max(...o.stages.map((s) => CONSUMER_STAGES.indexOf(s)));
  const chainStages = CONSUMER_STAGES.slice(0, lastIndex + 1);
  const rows = new Map<ConsumerStage, ScenarioRow>(o.stages.map((s) => [s, emptyRow(CONSUMER_SCENARIOS[s])]));
  const fail = (msg: string) => {
    // A broken chain fails every row not finished yet.
    for (const r of rows.values()) if (r.seconds === 0) r.failures.push(msg);
  };
  let dep: Deployment | undefined;
  let procs: LoopProcesses | undefined;
  let bus: Bus | undefined;
  const t0 = Date.now();
  try {
    dep = await startDeployment({ endpoints: env.endpoints, logDir: env.logDir, label: "consumers", ...(env.keep ? { keep: true } : {}) });
    const names = loopNames(dep);
    await ensureLoopTopics(env.endpoints.brokers, names.topics);
    procs = await defineLoopProcesses({ endpoints: env.endpoints, pool: dep.pool, names, logDir: env.logDir, ...(o.settings ? { settings: o.settings } : {}) });
    const logger = createLogger({ service: "reliability-consumers", level: "silent" });
    bus = createKafkaBus({ brokers: env.endpoints.brokers.split(","), clientId: `rel-${dep.suffix}-driver`, logger, metrics: createMetrics({ service: "reliability-consumers", defaultMetrics: false }) });
    const chain: Chain = { env, o, dep, names, procs, bus, log, finals: [] };
    await bounded(
      (async () => {
        for (const stage of chainStages) {
          const row = rows.get(stage) ?? emptyRow(CONSUMER_SCENARIOS[stage]);
          const started = Date.now();
          log(`consumers: stage ${stage}${wanted.has(stage) ? " (SIGKILL)" : " (no fault)"}`);
          await STAGES[stage](chain, row, wanted.has(stage));
          row.seconds = (Date.now() - started) / 1000;
          log(`consumers: ${stage}: ${JSON.stringify({ ...row, notes: undefined })} ${row.notes.join("; ")}`);
          if (row.failures.length > 0 && !wanted.has(stage)) throw new Error(`${stage} (upstream, no fault) failed: ${row.failures.join("; ")}`);
        }
      })(),
      env.timeoutMs ?? 900_000,
      "the consumer chain",
    );
  } catch (err) {
    fail((err as Error).message);
  } finally {
    await bus?.close().catch(() => undefined);
    if (procs) for (const p of [procs.canary, procs.rl, procs.reward, procs.labeling]) await p.stop(15_000).catch(() => undefined);
    if (dep && !env.keep) {
      for (const s of Object.values(loopNames(dep).schemas)) await dep.pool.query(`drop schema if exists "${s}" cascade`).catch(() => undefined);
    }
    await dep?.close().catch((err: unknown) => fail(`close: ${(err as Error).message}`));
    for (const r of rows.values()) if (r.seconds === 0) r.seconds = (Date.now() - t0) / 1000;
  }
  return o.stages.map((s) => rows.get(s)!);
}

type Stage = (c: Chain, row: ScenarioRow, fault: boolean) => Promise<void>;

/**
 * Labeling: the simulated product streams through ingestion while labeling consumes; SIGKILL
 * while one of its batch transactions inserts. Lost: an input record labeling never stored, or a
 * pair the pure rules make from the same records that labeling does not hold; duplicated: a pair
 * labeling holds that the rules do not make. Recovery: until labeling's delay behind the topics
 * (record published -> row stored) is back under max(2 s, 3 x its pre-fault p99).
 */
const labelingStage: Stage = async (c, row, fault) => {
  const { dep, procs, names } = c;
  await procs.labeling.start();
  const rate = c.o.ratePerSec ?? 150;
  const recorder = new AckRecorder(dep.intake.url, dep.apiKey);
  const world = createWorld(defaultWorldConfig(), c.o.seed ?? 11);
  const streaming = streamWorld(world, { days: 30, ratePerSec: rate, client: recorder.client(), maxEvents: Math.round(rate * (c.o.streamSeconds ?? 20)), maxBuffered: 50_000, flushTimeoutMs: 90_000 });
  let faultAt: number | undefined;
  if (fault) {
    await sleep((c.o.faultAfterSeconds ?? 6) * 1000);
    const mid = await waitForInsert(dep, names.schemas.labeling, 15_000);
    const k = await killAndRestart(procs.labeling);
    faultAt = k.faultAt;
    row.notes.push(`${k.note} ${mid ? "during a batch insert" : "(no insert seen in 15 s)"}`);
    if (!mid) row.failures.push("no labeling insert seen to kill mid-batch");
  }
  const res = await streaming;
  row.sent = res.sent;
  row.dropped = res.dropped;
  const ing = await reconcile({ acked: recorder.acked, pool: dep.pool, schema: dep.schema, tenantId: dep.tenantId, brokers: c.env.endpoints.brokers, topics: dep.topics, waitMs: 90_000 });
  row.acknowledged = ing.acknowledged;
  if (ing.lost > 0 || ing.duplicated > 0 || ing.topicLost > 0) row.failures.push(`ingestion under the stream: lost ${ing.lost}, duplicated ${ing.duplicated}, missing from topics ${ing.topicLost}`);
  const input = await labelingInput(c.env.endpoints.brokers, dep.topics);
  const partners = c.o.settings?.partnersPerVote ?? 100;
  const { stored, caughtUp } = await waitForLabeling(dep.pool, names.schemas.labeling, input, 90_000);
  if (!caughtUp) row.failures.push("labeling did not hold every input record with an empty pair outbox within 90 s");
  const r = await reconcileLabeling({ brokers: c.env.endpoints.brokers, pairsTopic: names.topics.pairs, input, stored, partnersPerVote: partners });
  row.stored = r.storedInputs;
  row.lost = r.lostInputs + r.missingPairs.length;
  row.duplicated = r.extraPairs.length;
  row.topicLost = r.pairsNotPublished;
  row.topicRedelivered = r.pairsRedelivered;
  if (faultAt !== undefined) {
    const rec = recoverySeconds(faultAt, input.publishedAt, [...stored.answers, ...stored.feedback]);
    row.recoverySeconds = row.lost > 0 ? null : rec.seconds;
    row.notes.push(`${rec.delayed} records delayed > ${(rec.thresholdMs / 1000).toFixed(1)} s`);
  }
  row.notes.push(
    `${r.inputs} input records (${input.answers.length} interactions, ${input.feedback.length} feedback), ${r.storedInputs} stored; ` +
      `pairs ${r.storedPairs} stored / ${r.referencePairs} by the pure rules ${JSON.stringify(r.bySource)}; ${r.pending} pending (rules: ${r.referencePending})`,
  );
  if (r.missingPairs.length > 0) row.notes.push(`missing pairs e.g. ${r.missingPairs.slice(0, 3).join(", ")}`);
  if (r.extraPairs.length > 0) row.notes.push(`extra pairs e.g. ${r.extraPairs.slice(0, 3).join(", ")}`);
  if (r.pending !== r.referencePending) row.failures.push(`${r.pending} feedback pending in labeling, ${r.referencePending} by the rules`);
  if (r.maxVotesPerGroup > partners) row.notes.push(`a group has ${r.maxVotesPerGroup} votes > partners per vote ${partners}: vote pairs may depend on order`);
  if (r.referencePairs === 0) row.failures.push("the stream made no pairs: nothing was checked");
  if (ing.topicRedelivered > 0 || input.redelivered > 0) row.notes.push(`input records re-sent by ingestion: ${input.redelivered}`);
};

/**
 * Reward: a labeling snapshot is announced on the datasets topic; reward trains on it. SIGKILL
 * after it logged "training reward model", restart: the stale run is queued again and retrained.
 * Contract: exactly one registry row for the snapshot (the model id is a hash of tenant, dataset
 * and artifact; training is deterministic for a seed), one training run marked done with it, and
 * announcements at least once per (model, status): a crash between registering and marking the
 * run done announces again, which consumers dedupe by model id (counted as "topic re-sent").
 */
const rewardStage: Stage = async (c, row, fault) => {
  const { dep, procs, names } = c;
  const brokers = c.env.endpoints.brokers;
  await procs.reward.start();
  // The pointwise evidence up to the snapshot's end must be in before training, so the killed run and its retry train on the same data.
  await until("reward consumed the stream", 90_000, async () => ((await groupLag(brokers, `${names.groups.reward}-evidence`, [names.topics.interactions, names.topics.feedback])) === 0 ? true : undefined));
  const logMark = procs.reward.logSize();
  const snap = await createSnapshot(procs, "reliability");
  c.datasetId = snap.datasetId;
  row.notes.push(`snapshot ${snap.datasetId} (${snap.pairs} pairs)`);
  const s = `"${names.schemas.reward}"`;
  let faultAt: number | undefined;
  if (fault) {
    const training = await procs.reward.waitForLog(/"training reward model"/, logMark, 60_000);
    // Into the fit itself, past reading the snapshot.
    await sleep(300);
    const at = await dep.pool.query<{ status: string }>(`select status from ${s}.training_runs where dataset_id = $1`, [snap.datasetId]);
    const k = await killAndRestart(procs.reward);
    faultAt = k.faultAt;
    const status = at.rows[0]?.status ?? "absent";
    row.notes.push(`${k.note}; run was ${status} at the kill`);
    if (!training || status !== "running") row.failures.push(`the kill did not land during training (run ${status}, log line ${training ? "seen" : "not seen"})`);
  }
  const run = await until("reward training run finished", 180_000, async () => {
    const r = await dep.pool.query<{ status: string; model_id: string | null; error: string | null }>(`select status, model_id, error from ${s}.training_runs where dataset_id = $1`, [snap.datasetId]);
    const x = r.rows[0];
    return x && (x.status === "done" || x.status === "failed") ? x : undefined;
  });
  await sleep(1_000);
  const models = (await dep.pool.query<{ model_id: string; status: string; seconds: number | null }>(`select model_id, status, (metrics->>'seconds')::float8 seconds from ${s}.reward_models where dataset_id = $1`, [snap.datasetId])).rows;
  const announcedSet = await readTopic(brokers, names.topics.datasets);
  const ann = (await readTopic(brokers, names.topics.rewardModels))
    .map((r) => ({ at: r.timestamp, m: fromBinary(RewardModelAnnouncementSchema, r.value).model }))
    .filter((a) => a.m?.datasetId === snap.datasetId);
  const ids = new Set(ann.map((a) => a.m!.modelId));
  const perStatus = new Map<string, number>();
  for (const a of ann) perStatus.set(`${a.m!.modelId}/${RewardModelStatus[a.m!.status]}`, (perStatus.get(`${a.m!.modelId}/${RewardModelStatus[a.m!.status]}`) ?? 0) + 1);
  row.sent = announcedSet.length;
  row.acknowledged = (await dep.pool.query<{ n: number }>(`select count(*)::int n from ${s}.training_runs where dataset_id = $1`, [snap.datasetId])).rows[0]?.n ?? 0;
  row.stored = models.length;
  row.lost = run.status === "done" && models.length > 0 ? 0 : 1;
  row.duplicated = Math.max(0, models.length - 1) + Math.max(0, ids.size - 1);
  row.topicLost = models.filter((m) => !ids.has(m.model_id)).length;
  row.topicRedelivered = [...perStatus.values()].reduce((n, k) => n + k - 1, 0);
  if (run.status !== "done") row.failures.push(`training run ${run.status}: ${run.error ?? ""}`);
  const model = models[0];
  if (model) {
    c.rewardModelId = model.model_id;
    const firstAnn = Math.min(...ann.filter((a) => a.m!.modelId === model.model_id).map((a) => a.at));
    if (faultAt !== undefined && Number.isFinite(firstAnn)) row.recoverySeconds = row.lost > 0 ? null : (firstAnn - faultAt) / 1000;
    row.notes.push(`model ${model.model_id} ${model.status}${model.seconds !== null ? `, fit ${model.seconds.toFixed(1)} s` : ""}; announcements ${[...perStatus].map(([k, n]) => `${k.split("/")[1]} x${n}`).join(", ")}`);
    if (run.model_id !== model.model_id) row.failures.push(`training run names ${run.model_id}, registry holds ${model.model_id}`);
  }
};

/**
 * RL trainer: a run requested on the rl-runs topic; SIGKILL after a checkpoint while a later step
 * runs, restart: it must resume from its last checkpoint (the log says so) and finish once: every
 * checkpoint step stored once, one final checkpoint, one announcement of the final checkpoint,
 * every checkpoint announced. A second, uninterrupted run with the same reference, reward model
 * and config must end in the same final checkpoint (sha256): the resumed run is the clean one.
 */
const rlStage: Stage = async (c, row, fault) => {
  const { dep, procs, names, bus } = c;
  const brokers = c.env.endpoints.brokers;
  if (!c.rewardModelId || !c.datasetId) throw new Error("no reward model from the reward stage");
  const rewardModelId = c.rewardModelId;
  await procs.rl.start();
  const s = `"${names.schemas.rl}"`;
  await until("rl-trainer consumed the interactions", 90_000, async () => ((await groupLag(brokers, `${names.groups.rl}.interactions`, [names.topics.interactions])) === 0 ? true : undefined));
  await until("rl-trainer knows the reward model", 60_000, async () => ((await dep.pool.query(`select 1 from ${s}.reward_models where model_id = $1`, [rewardModelId])).rowCount ? true : undefined));
  const config = { ...RL_DEFAULTS, ...c.o.rl };
  const every = c.o.settings?.rlCheckpointEvery ?? 2;
  const request = (runId: string, referenceId = "") =>
    bus.publish(names.topics.rlRuns, RlRunRequestSchema, [{ key: runId, message: create(RlRunRequestSchema, { runId, tenantId: names.tenantId, rewardModelId, datasetId: c.datasetId!, referenceId, config }) }]);
  const terminal = (runId: string, ms: number) =>
    until(`run ${runId} finished`, ms, async () => {
      const r = await dep.pool.query<{ status: string; error: string; reference_id: string; stop_reason: string; steps_done: number }>(
        `select status, coalesce(error, '') error, reference_id, stop_reason, steps_done from ${s}.runs where run_id = $1`,
        [runId],
      );
      const x = r.rows[0];
      return x && ["completed", "stopped", "failed"].includes(x.status) ? x : undefined;
    }, 200);
  const runA = `rel-${dep.suffix}-a`;
  const runB = `rel-${dep.suffix}-b`;
  const logMark = procs.rl.logSize();
  await request(runA);
  let faultAt: number | undefined;
  let killedAfter = 0;
  if (fault) {
    // After the first checkpoint, while the step after it runs.
    const at = await until("a checkpoint, then a step past it", 240_000, async () => {
      const r = await dep.pool.query<{ ck: number | null; st: number | null }>(`select (select max(step) from ${s}.checkpoints where run_id = $1) ck, (select max(step) from ${s}.step_stats where run_id = $1) st`, [runA]);
      const x = r.rows[0];
      return x && x.ck !== null && x.st !== null && x.st > x.ck ? x : undefined;
    }, 20);
    const k = await killAndRestart(procs.rl);
    faultAt = k.faultAt;
    killedAfter = at.ck ?? 0;
    row.notes.push(`${k.note} after checkpoint step ${at.ck}, step ${at.st} stored`);
    const left = await dep.pool.query<{ status: string }>(`select status from ${s}.runs where run_id = $1`, [runA]);
    if (left.rows[0]?.status !== "running") row.failures.push(`the run was ${left.rows[0]?.status} at the kill, not running`);
  }
  const a = await terminal(runA, 300_000);
  const resumed = await procs.rl.waitForLog(new RegExp(`"step":${killedAfter}[,}].*"resuming from checkpoint"|"resuming from checkpoint".*"step":${killedAfter}[,}]`), logMark, 1_000);
  // The clean run: same reference (not fitted again), reward model and config.
  await request(runB, a.reference_id);
  const b = await terminal(runB, 300_000);
  await sleep(1_000);
  const cks = (await dep.pool.query<{ run_id: string; policy_version: string; step: number; final: boolean; sha256: string }>(`select run_id, policy_version, step, final, sha256 from ${s}.checkpoints where run_id in ($1, $2) order by step`, [runA, runB])).rows;
  const statSteps = (await dep.pool.query<{ step: number }>(`select step from ${s}.step_stats where run_id = $1 order by step`, [runA])).rows.map((r) => r.step);
  const ann = (await readTopic(brokers, names.topics.policies)).map((r) => ({ at: r.timestamp, p: fromBinary(PolicyAnnouncementSchema, r.value) }));
  const mine = cks.filter((k) => k.run_id === runA);
  // A run ends at its last step, or earlier when a guardrail stops it (deterministic: the clean run stops at the same step).
  const lastStep = a.status === "stopped" ? a.steps_done : config.steps;
  const expectedSteps = [...Array.from({ length: Math.floor((lastStep - 1) / every) }, (_, i) => (i + 1) * every), lastStep];
  const perVersion = new Map<string, number>();
  for (const x of ann.filter((x) => x.p.runId === runA)) perVersion.set(x.p.policyVersion, (perVersion.get(x.p.policyVersion) ?? 0) + 1);
  const finals = mine.filter((k) => k.final);
  const finalAnn = ann.filter((x) => x.p.runId === runA && x.p.final);
  row.sent = 1;
  row.acknowledged = (await dep.pool.query<{ n: number }>(`select count(*)::int n from ${s}.runs where run_id = $1`, [runA])).rows[0]?.n ?? 0;
  row.stored = mine.length;
  const missingSteps = expectedSteps.filter((st) => !mine.some((k) => k.step === st));
  const notAnnounced = mine.filter((k) => !perVersion.has(k.policy_version));
  const finished = (st: string) => st === "completed" || st === "stopped";
  row.lost = missingSteps.length + (finished(a.status) ? 0 : 1);
  row.topicLost = notAnnounced.length;
  row.duplicated = Math.max(0, finals.length - 1) + Math.max(0, finalAnn.length - 1) + Math.max(0, mine.length - expectedSteps.length);
  row.topicRedelivered = [...perVersion.values()].reduce((n, k) => n + k - 1, 0) - Math.max(0, finalAnn.length - 1);
  if (!finished(a.status)) row.failures.push(`run ${runA} ${a.status} ${a.error}`);
  if (!finished(b.status)) row.failures.push(`clean run ${runB} ${b.status} ${b.error}`);
  if (a.status !== b.status || a.steps_done !== b.steps_done || a.stop_reason !== b.stop_reason) {
    row.failures.push(`the resumed run ended ${a.status} at step ${a.steps_done} ${a.stop_reason}, the clean run ${b.status} at step ${b.steps_done} ${b.stop_reason}`);
  }
  if (a.status === "stopped") row.notes.push(`both runs stopped by the ${a.stop_reason} guardrail at step ${a.steps_done}`);
  if (statSteps.join(",") !== Array.from({ length: lastStep }, (_, i) => i + 1).join(",")) row.failures.push(`step stats for steps ${statSteps.join(",")}, want 1..${lastStep}`);
  if (notAnnounced.length > 0) row.notes.push(`checkpoints never announced: ${notAnnounced.map((k) => k.policy_version).join(", ")}`);
  const finalA = finals[0];
  const finalB = cks.find((k) => k.run_id === runB && k.final);
  if (finalA && finalB) {
    const same = finalA.sha256 === finalB.sha256;
    row.notes.push(`final ${finalA.policy_version} sha256 ${finalA.sha256.slice(0, 12)} ${same ? "=" : "!="} clean run's ${finalB.sha256.slice(0, 12)}`);
    if (!same) row.failures.push("the resumed run's final checkpoint differs from the uninterrupted run's");
  }
  if (fault) {
    row.notes.push(resumed ? `log: resumed from checkpoint step ${killedAfter}` : "no 'resuming from checkpoint' log line");
    if (!resumed) row.failures.push(`no log line of resuming from checkpoint step ${killedAfter}`);
    const first = finalAnn[0];
    if (first && faultAt !== undefined) row.recoverySeconds = row.lost > 0 ? null : (first.at - faultAt) / 1000;
  }
  row.notes.push(`checkpoints ${mine.map((k) => `${k.step}${k.final ? "F" : ""}`).join(",")}; announcements ${[...perVersion].map(([v, n]) => `${v.split("@")[1]}x${n}`).join(",")}`);
  c.finals = cks.filter((k) => k.final).map((k) => k.policy_version);
};

/**
 * Canary: started early enough to consume the held-out traffic and make a set, it is stopped
 * (SIGTERM) while the RL runs train and started again after, so it consumes both final
 * announcements at once and queues a run per final checkpoint. SIGKILL while a run is running,
 * restart: the run is queued again and finishes. One report per (candidate, set), done, each
 * announced; a crash between announcing and marking done announces again with the same report id
 * (at-least-once, counted as "topic re-sent", consumers dedupe by report id).
 */
const canaryPrepare = async (c: Chain): Promise<void> => {
  const { procs, names } = c;
  await procs.canary.start();
  const lag = async (g: string, t: string) => groupLag(c.env.endpoints.brokers, `${names.groups.canary}.${g}`, [t]);
  await until("canary consumed the stream", 120_000, async () => ((await lag("interactions", names.topics.interactions)) + (await lag("feedback", names.topics.feedback)) === 0 ? true : undefined));
  const set = await createCanarySet(procs, names.tenantId, c.o.canarySetSize ?? 24);
  c.canarySetNote = `set of ${set.tasks} tasks from ${set.pool} held-out answers`;
  await procs.canary.stop(15_000);
};

const canaryStage: Stage = async (c, row, fault) => {
  const { dep, procs, names } = c;
  const s = `"${names.schemas.canary}"`;
  if (c.finals.length === 0) throw new Error("no final checkpoint from the rl-trainer stage");
  await procs.canary.start();
  if (c.canarySetNote) row.notes.push(c.canarySetNote);
  const reports = () =>
    dep.pool.query<{ report_id: string; candidate_version: string; canary_set_id: string; status: string; stage: string; decision: string | null; error: string }>(
      `select report_id, candidate_version, canary_set_id, status, stage, decision, coalesce(error, '') error from ${s}.reports`,
    );
  let faultAt: number | undefined;
  if (fault) {
    // Once the run is past its start: answering, scoring or computing statistics.
    const running = await until("a canary run running", 120_000, async () => (await reports()).rows.find((r) => r.status === "running" && r.stage !== "" && r.stage !== "starting"), 20);
    const k = await killAndRestart(procs.canary);
    faultAt = k.faultAt;
    const after = (await reports()).rows.find((r) => r.report_id === running.report_id);
    row.notes.push(`${k.note} during the run of ${running.candidate_version}`);
    if (after?.status === "done") row.failures.push("the canary run finished before the kill");
  }
  const done = await until("every final checkpoint canaried", 240_000, async () => {
    const r = (await reports()).rows;
    return c.finals.every((v) => r.some((x) => x.candidate_version === v && (x.status === "done" || x.status === "failed"))) ? r : undefined;
  }).catch(async (err: unknown) => {
    const r = (await reports()).rows.map((x) => `${x.candidate_version} ${x.status} ${x.stage}`).join("; ");
    throw new Error(`${(err as Error).message} (reports: ${r || "none"})`);
  });
  await sleep(1_000);
  const ann = (await readTopic(c.env.endpoints.brokers, names.topics.canaryReports)).map((r) => ({ at: r.timestamp, rep: fromBinary(CanaryReportAnnouncementSchema, r.value).report }));
  const perReport = new Map<string, number>();
  const decisions = new Map<string, Set<number>>();
  const idsPerCandidate = new Map<string, Set<string>>();
  for (const a of ann) {
    if (!a.rep) continue;
    perReport.set(a.rep.reportId, (perReport.get(a.rep.reportId) ?? 0) + 1);
    decisions.set(a.rep.reportId, (decisions.get(a.rep.reportId) ?? new Set()).add(a.rep.decision));
    const set = idsPerCandidate.get(`${a.rep.candidateVersion}/${a.rep.canarySetId}`) ?? new Set();
    set.add(a.rep.reportId);
    idsPerCandidate.set(`${a.rep.candidateVersion}/${a.rep.canarySetId}`, set);
  }
  const mine = done.filter((r) => c.finals.includes(r.candidate_version));
  const perKey = new Map<string, number>();
  for (const r of mine) perKey.set(`${r.candidate_version}/${r.canary_set_id}`, (perKey.get(`${r.candidate_version}/${r.canary_set_id}`) ?? 0) + 1);
  row.sent = c.finals.length;
  row.acknowledged = new Set(mine.map((r) => r.candidate_version)).size;
  row.stored = mine.filter((r) => r.status === "done").length;
  row.lost = c.finals.filter((v) => !mine.some((r) => r.candidate_version === v && r.status === "done")).length;
  row.duplicated = [...perKey.values()].reduce((n, k) => n + k - 1, 0) + [...idsPerCandidate.values()].reduce((n, ids) => n + ids.size - 1, 0);
  row.topicLost = mine.filter((r) => r.status === "done" && !perReport.has(r.report_id)).length;
  row.topicRedelivered = [...perReport.values()].reduce((n, k) => n + k - 1, 0);
  for (const r of mine.filter((x) => x.status === "failed")) row.failures.push(`canary run of ${r.candidate_version} failed: ${r.error}`);
  // A re-announced report comes from the same seeded rerun: it must say the same.
  for (const [id, d] of decisions) if (d.size > 1) row.failures.push(`report ${id} announced with ${d.size} different decisions`);
  row.notes.push(`reports ${mine.map((r) => `${r.candidate_version.split("-").at(-1)}: ${r.decision ?? r.status} (announced x${perReport.get(r.report_id) ?? 0})`).join(", ")}`);
  if (faultAt !== undefined) {
    const lastAnn = Math.max(...ann.filter((a) => a.rep && c.finals.includes(a.rep.candidateVersion)).map((a) => a.at));
    if (Number.isFinite(lastAnn)) row.recoverySeconds = row.lost > 0 ? null : (lastAnn - faultAt) / 1000;
  }
};

const STAGES: Record<ConsumerStage, Stage> = {
  labeling: labelingStage,
  reward: async (c, row, fault) => {
    await rewardStage(c, row, fault);
    // The canary needs a set before the final checkpoints reach it.
    if (c.o.stages.includes("canary")) await canaryPrepare(c);
  },
  "rl-trainer": rlStage,
  canary: canaryStage,
};

/** Polls pg_stat_activity until some connection inserts into `schema` (mid-batch), bounded. */
async function waitForInsert(dep: Deployment, schema: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await dep.pool.query<{ n: number }>(`select count(*)::int n from pg_stat_activity where state = 'active' and query ilike '%insert into%' and position($1 in query) > 0`, [`"${schema}"`]);
    if ((r.rows[0]?.n ?? 0) > 0) return true;
    await sleep(5);
  }
  return false;
}
