// The service on real Kafka and Postgres: logged answers and a reward model announcement arrive
// on their topics, a run requested on the rl-runs topic trains, stores stats and checkpoints with
// lineage, announces policies; gRPC Generate names the policy version; a run cut off mid-way
// resumes from its last checkpoint and ends exactly where the uninterrupted run ends. Canary
// reports on their topic decide which checkpoint a tenant's Generate serves; GenerateBatch samples
// prompts x samples answers.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createGrpcClient, createKafkaBus, createLogger, createMetrics, createPool, type Bus, type BusRecord, type Pool } from "@rlhf-loop/kit";
import { readModelMetadata } from "@rlhf-loop/ml";
import { Kafka, logLevel } from "kafkajs";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { CanaryDecision, CanaryReportAnnouncementSchema, InteractionSchema, Policy, PolicyAnnouncementSchema, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema, RlRunStatus } from "@rlhf-loop/proto";
import { createRlTrainerService, policyKeys, runRlRun, simJudge, type RlTrainerService, type StepStats } from "@rlhf-loop/rl-trainer";

const brokers = process.env["KAFKA_BROKERS"]?.split(",");
const databaseUrl = process.env["DATABASE_URL"];
const skip = !brokers || !databaseUrl ? "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up; source .run/stack.env)" : false;

const suffix = randomBytes(4).toString("hex");
const schema = `rl_trainer_t_${suffix}`;
/** Policy keys made once the migrations ran: a service key of every tenant, an operator of t1. */
const keys = { star: "", operator: "" };
const md = () => ({ metadata: { authorization: `Bearer ${keys.star}` } });
const op = () => ({ metadata: { authorization: `Bearer ${keys.operator}` } });
const auth = () => ({ headers: { authorization: `Bearer ${keys.star}` } });
const topics = { rlRuns: `test.${suffix}.rl-runs`, rewardModels: `test.${suffix}.reward-models`, policies: `test.${suffix}.policies`, interactions: `test.${suffix}.interactions`, canaryReports: `test.${suffix}.canary-reports` };
let bus: Bus;
let pool: Pool;
let svc: RlTrainerService;
let grpcPort = 0;
const announced: ReturnType<typeof fromBinary<typeof PolicyAnnouncementSchema>>[] = [];
const world = createWorld(defaultWorldConfig(), 7);
// A real reward: shorter answers score higher (a deterministic function of the text).
// `onScore` lets a test cut a run off as a crash would.
let onScore: (() => void) | undefined;
const rewardFor = async () => async (rows: readonly { prompt: string; answer: string }[]) => {
  onScore?.();
  return rows.map((r) => -(r.answer.match(/\S+/g)?.length ?? 0) / 20);
};

async function eventually<T>(f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  if (skip) return;
  const logger = createLogger({ service: "rl-trainer-test", level: "silent" });
  const metrics = createMetrics({ service: "rl-trainer-test", defaultMetrics: false });
  pool = createPool({ url: databaseUrl!, max: 4, applicationName: "rl-trainer-test", logger });
  bus = createKafkaBus({ brokers: brokers!, clientId: `rl-trainer-test-${suffix}`, logger, metrics });
  svc = createRlTrainerService({
    bus, pool, logger, metrics, rewardFor, judge: simJudge(world),
    options: {
      dbSchema: schema, topics, groupPrefix: `rl-trainer-test-${suffix}`, httpPort: 0, grpcPort: 0,
      executor: { checkpointEvery: 2, referenceFit: { epochs: 2, lr: 0.02, temperature: 0.6 }, loggedAnswerLimit: 800, probePrompts: 32, threads: 1 },
    },
  });
  ({ grpcPort } = await svc.start());
  keys.star = (await policyKeys.create(pool, { schema, tenantId: "*", role: "service", label: "test" })).key;
  keys.operator = (await policyKeys.create(pool, { schema, tenantId: "t1", role: "operator", label: "test" })).key;
  await bus.subscribe({
    groupId: `rl-trainer-test-reader-${suffix}`, topics: [topics.policies], fromBeginning: true,
    handleBatch: async (records: readonly BusRecord[]) => {
      for (const r of records) announced.push(fromBinary(PolicyAnnouncementSchema, r.value!));
    },
  });
  const chats: { message: ReturnType<typeof create<typeof InteractionSchema>>; key: string }[] = [];
  for (let d = 0; chats.length < 800; d++) {
    for (const e of await world.day(d)) {
      if (e.event.event.case === "interaction" && e.interaction?.purpose === "chat") {
        const i = create(InteractionSchema, { ...e.event.event.value, tenantId: "t1" });
        chats.push({ key: i.interactionId, message: i });
      }
    }
  }
  await bus.publish(topics.interactions, InteractionSchema, chats.slice(0, 800));
  await bus.publish(topics.rewardModels, RewardModelAnnouncementSchema, [
    { key: "rm-1", message: create(RewardModelAnnouncementSchema, { model: { modelId: "rm-1", tenantId: "t1", status: RewardModelStatus.APPROVED } }) },
  ]);
  await eventually(async () => ((await pool.query(`select count(*)::int as n from ${schema}.logged_answers`)).rows[0].n >= 800 ? true : undefined));
  await eventually(async () => (await svc.store.rewardModel("rm-1")) ? true : undefined);
});

after(async () => {
  if (skip) return;
  await svc.stop();
  await bus.close();
  await pool.query(`drop schema if exists ${schema} cascade`);
  await pool.end();
  await deleteOwnTopics(brokers!, `test.${suffix}.`);
});

/** Deletes this test's own topics (random suffix) and their DLQ twins; nobody else's. */
async function deleteOwnTopics(b: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: `rl-trainer-test-admin-${suffix}`, brokers: b, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

const runConfig = { steps: 4, promptsPerStep: 8, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 5 };

test("a run requested on the rl-runs topic trains, stores stats and checkpoints with lineage, announces policies, and serves Generate", { skip, timeout: 300_000 }, async () => {
  await bus.publish(topics.rlRuns, RlRunRequestSchema, [
    { key: "run-a", message: create(RlRunRequestSchema, { runId: "run-a", tenantId: "t1", rewardModelId: "rm-1", datasetId: "ds@1", config: runConfig }) },
  ]);
  const run = await eventually(async () => {
    const r = await svc.store.getRun("run-a");
    return r && (r.status === "completed" || r.status === "stopped" || r.status === "failed") ? r : undefined;
  });
  assert.equal(run.status, "completed", run.error);
  assert.equal(run.stepsDone, 4);
  assert.equal(run.policyVersion, "run-a@4");
  const stats = await svc.store.stats("run-a");
  assert.deepEqual(stats.map((s) => s.step), [1, 2, 3, 4]);
  for (const s of stats) assert.ok(Number.isFinite(s.reward) && Number.isFinite(s.kl) && s.gold !== undefined && s.length > 0);
  const c4 = (await svc.store.checkpoint("run-a@4"))!;
  assert.equal(c4.parentVersion, "run-a@2");
  assert.equal(c4.final, true);
  assert.equal(c4.referenceId, "ref-run-a");
  assert.equal(c4.rewardModelId, "rm-1");
  assert.equal(c4.datasetId, "ds@1");
  await eventually(async () => (announced.filter((a) => a.runId === "run-a").length >= 2 ? true : undefined));
  const ann = announced.filter((a) => a.runId === "run-a").map((a) => [a.policyVersion, a.parentVersion, a.final]);
  assert.deepEqual(ann, [["run-a@2", "", false], ["run-a@4", "run-a@2", true]]);

  const client = createGrpcClient(Policy, `127.0.0.1:${grpcPort}`);
  try {
    const g = await client.generate({ prompt: "Hi, I want a refund for order #123456, bought 12 days ago.", seed: 3 }, md());
    assert.equal(g.policyVersion, "run-a@4");
    assert.ok(g.answer.length > 0 && g.tokens > 0 && g.logProb < 0);
    const again = await client.generate({ prompt: "Hi, I want a refund for order #123456, bought 12 days ago.", seed: 3, policyVersion: "run-a@2" }, md());
    assert.equal(again.policyVersion, "run-a@2");
    const got = await client.getRun({ runId: "run-a" }, md());
    assert.equal(got.run?.status, RlRunStatus.COMPLETED);
    assert.equal(got.run?.recentSteps.length, 4);
    await assert.rejects(client.getRun({ runId: "nope" }, md()), /not found/);
    await assert.rejects(client.startRun({ run: { runId: "bad id!", tenantId: "t1", rewardModelId: "rm-1" } }, op()), /run_id/);
    await assert.rejects(client.startRun({ run: { runId: "run-x", tenantId: "t1", rewardModelId: "rm-unknown" } }, op()), /not been announced/);
    await assert.rejects(client.startRun({ run: { runId: "run-y", tenantId: "t1", rewardModelId: "rm-1", config: { algorithm: "dpo" } } }, op()), /algorithm/);
  } finally {
    client.close();
  }
  const metrics = await (await fetch(`http://127.0.0.1:${svc.http.server.address() && (svc.http.server.address() as { port: number }).port}/metrics`)).text();
  assert.match(metrics, /rlhf_rl_steps_total\{[^}]*\} 4\n/);
  assert.match(metrics, /rlhf_rl_kl\{[^}]*\} -?\d/);
  const httpPort = (svc.http.server.address() as { port: number }).port;
  const onnx = new Uint8Array(await (await fetch(`http://127.0.0.1:${httpPort}/v1/policies/run-a@4/model.onnx`, auth())).arrayBuffer());
  const meta = readModelMetadata(onnx);
  assert.equal(meta["rlhf.kind"], "policy");
  assert.equal(meta["rlhf.policy_version"], "run-a@4");
  assert.ok((JSON.parse(meta["rlhf.vocab"]!) as { words: string[] }).words.length > 100);
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/v1/policies/nope/model.onnx`, auth())).status, 404);
});

/** A canary report as the canary service announces it (keyed by candidate version). */
async function announceReport(r: { reportId: string; tenantId: string; version: string; decision: CanaryDecision; at?: Date }): Promise<void> {
  const report = { reportId: r.reportId, tenantId: r.tenantId, candidateVersion: r.version, decision: r.decision, ...(r.at ? { createdAt: timestampFromDate(r.at) } : {}) };
  await bus.publish(topics.canaryReports, CanaryReportAnnouncementSchema, [{ key: r.version, message: create(CanaryReportAnnouncementSchema, { report }) }]);
}

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${(svc.http.server.address() as { port: number }).port}/metrics`)).text();
}

/** Waits until the consumer has seen `n` reports of a decision (HOLD changes nothing else to wait for). */
async function reportsSeen(decision: string, n: number): Promise<void> {
  const re = new RegExp(`rlhf_rl_canary_reports_total\\{[^}]*decision="${decision}"[^}]*\\} (\\d+)`);
  await eventually(async () => (Number(re.exec(await metricsText())?.[1] ?? 0) >= n ? true : undefined), 60_000);
}

test("canary reports decide a tenant's served policy: HOLD serves nothing, PROMOTE serves its checkpoint, only a newer report replaces it; GenerateBatch samples prompts x samples", { skip, timeout: 300_000 }, async () => {
  const dlq: BusRecord[] = [];
  const dlqSub = await bus.subscribe({ groupId: `rl-trainer-test-dlq-${suffix}`, topics: [`${topics.canaryReports}.dlq`], fromBeginning: true, handleBatch: async (records) => void dlq.push(...records) });
  const client = createGrpcClient(Policy, `127.0.0.1:${grpcPort}`);
  const prompt = "Hi, I want a refund for order #123456, bought 12 days ago.";
  const t0 = new Date("2025-03-01T10:00:00Z");
  const later = (min: number) => new Date(t0.getTime() + min * 60_000);
  try {
    // Checkpoints run-a@2 and run-a@4 exist (first test). No promotion yet: a tenant gets none.
    await assert.rejects(client.generate({ prompt, seed: 3, tenantId: "t1" }, md()), /no policy has been promoted for tenant t1/);
    await announceReport({ reportId: "rep-hold", tenantId: "t1", version: "run-a@4", decision: CanaryDecision.HOLD, at: t0 });
    await reportsSeen("HOLD", 1);
    await assert.rejects(client.generate({ prompt, seed: 3, tenantId: "t1" }, md()), /no policy has been promoted for tenant t1/);
    assert.equal(await svc.store.servedPolicy("t1"), undefined);

    await announceReport({ reportId: "rep-1", tenantId: "t1", version: "run-a@2", decision: CanaryDecision.PROMOTE, at: later(1) });
    await eventually(async () => ((await svc.store.servedPolicy("t1"))?.policyVersion === "run-a@2" ? true : undefined), 60_000);
    const served = await client.generate({ prompt, seed: 3, tenantId: "t1" }, md());
    assert.equal(served.policyVersion, "run-a@2");
    const explicit = await client.generate({ prompt, seed: 3, tenantId: "t1", policyVersion: "run-a@2" }, md());
    assert.deepEqual([explicit.answer, explicit.logProb], [served.answer, served.logProb]);
    assert.equal((await client.generate({ prompt, seed: 3, tenantId: "t1", policyVersion: "run-a@4" }, md())).policyVersion, "run-a@4");
    assert.equal((await client.generate({ prompt, seed: 3 }, md())).policyVersion, "run-a@4", "no tenant, no version: the newest final checkpoint");
    await assert.rejects(client.generate({ prompt, seed: 3, tenantId: "t2" }, md()), /no policy has been promoted for tenant t2/);

    // An older report (replayed or late) does not replace the newer promotion; a newer one does.
    await announceReport({ reportId: "rep-0", tenantId: "t1", version: "run-a@4", decision: CanaryDecision.PROMOTE, at: t0 });
    await announceReport({ reportId: "rep-1", tenantId: "t1", version: "run-a@2", decision: CanaryDecision.PROMOTE, at: later(1) });
    await reportsSeen("PROMOTE", 3);
    assert.equal((await svc.store.servedPolicy("t1"))?.reportId, "rep-1");
    await announceReport({ reportId: "rep-2", tenantId: "t1", version: "run-a@4", decision: CanaryDecision.PROMOTE, at: later(2) });
    await eventually(async () => ((await svc.store.servedPolicy("t1"))?.policyVersion === "run-a@4" ? true : undefined), 60_000);
    assert.equal((await client.generate({ prompt, seed: 3, tenantId: "t1" }, md())).policyVersion, "run-a@4");
    // A later HOLD of another checkpoint leaves the served policy alone.
    await announceReport({ reportId: "rep-3", tenantId: "t1", version: "run-a@2", decision: CanaryDecision.HOLD, at: later(3) });
    await reportsSeen("HOLD", 2);
    assert.equal((await svc.store.servedPolicy("t1"))?.policyVersion, "run-a@4");
    // A promotion that cannot be ordered (no created_at) is dead-lettered, not applied.
    await announceReport({ reportId: "rep-bad", tenantId: "t1", version: "run-a@2", decision: CanaryDecision.PROMOTE });
    await eventually(async () => (dlq.length >= 1 ? true : undefined), 60_000);
    assert.equal(fromBinary(CanaryReportAnnouncementSchema, dlq[0]!.value!).report?.reportId, "rep-bad");
    assert.equal((await svc.store.servedPolicy("t1"))?.policyVersion, "run-a@4");
    const text = await metricsText();
    assert.match(text, /rlhf_rl_promotions_total\{[^}]*tenant="t1"[^}]*\} 2\n/);

    // GenerateBatch: 3 prompts x 4 samples from the tenant's served policy, prompt-major, deterministic for a seed.
    const prompts = [prompt, "I forgot my password, how do I reset it?", "Where is my parcel? Order 445566 is late."];
    const batch = await client.generateBatch({ prompts, samplesPerPrompt: 4, seed: 11, tenantId: "t1" }, md());
    assert.equal(batch.policyVersion, "run-a@4");
    assert.equal(batch.answers.length, 12);
    assert.deepEqual(batch.answers.map((a) => [a.promptIndex, a.sampleIndex]), [0, 1, 2].flatMap((p) => [0, 1, 2, 3].map((k) => [p, k])));
    for (const a of batch.answers) assert.ok(a.tokens > 0 && a.logProb < 0);
    const again = await client.generateBatch({ prompts, samplesPerPrompt: 4, seed: 11, tenantId: "t1" }, md());
    assert.deepEqual(again.answers.map((a) => a.answer), batch.answers.map((a) => a.answer));
    const one = await client.generateBatch({ prompts: [prompt], seed: 3, tenantId: "t1" }, md());
    assert.equal(one.answers.length, 1);
    assert.equal(one.answers[0]!.answer, (await client.generate({ prompt, seed: 3, tenantId: "t1" }, md())).answer);
    await assert.rejects(client.generateBatch({ prompts: [prompt, " "], samplesPerPrompt: 17 }, md()), /prompts\[1\].*samples_per_prompt|samples_per_prompt.*prompts\[1\]/);
    await assert.rejects(client.generateBatch({ prompts: [prompt], tenantId: "t9" }, md()), /no policy has been promoted for tenant t9/);
  } finally {
    client.close();
    await dlqSub.stop();
  }
});

test("a run cut off after step 3 resumes from its step-2 checkpoint and ends exactly like the uninterrupted run", { skip, timeout: 300_000 }, async () => {
  // Same config and reference as run-a, so the uninterrupted result is run-a's.
  for (const id of ["run-b"]) await svc.store.createRun({ runId: id, tenantId: "t1", rewardModelId: "rm-1", referenceId: "ref-run-a", datasetId: "ds@1", config: runConfig });
  const ac = new AbortController();
  let steps = 0;
  // Cut off as a crash would: after step 3 has been scored and stored, before its checkpoint.
  onScore = () => {
    if (++steps === 3) ac.abort();
  };
  assert.equal(await svc.executor.execute("run-b", ac.signal), "aborted");
  onScore = undefined;
  let row = (await svc.store.getRun("run-b"))!;
  assert.equal(row.status, "running");
  assert.equal(row.policyVersion, "run-b@2");
  assert.equal((await svc.store.lastCheckpoint("run-b"))!.step, 2);
  assert.equal(await svc.executor.execute("run-b"), "completed");
  row = (await svc.store.getRun("run-b"))!;
  assert.equal(row.stepsDone, 4);
  const a = await svc.store.stats("run-a");
  const b = await svc.store.stats("run-b");
  const strip = (s: StepStats) => ({ ...s, seconds: 0 });
  assert.deepEqual(b.map(strip), a.map(strip));
  const ca = (await svc.store.checkpoint("run-a@4"))!;
  const cb = (await svc.store.checkpoint("run-b@4"))!;
  assert.equal(cb.sha256, ca.sha256, "bit-identical weights after resume");
  assert.equal(cb.parentVersion, "run-b@2");
});

test("rlhf rl run (runRlRun) starts a run over gRPC, prints its steps and exits 0 when it completes; bad flags exit 2", { skip, timeout: 300_000 }, async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, pollMs: 200 };
  const res = await runRlRun(["--reward-model", "rm-1", "--beta", "0.05", "--steps", "2", "--prompts-per-step", "8", "--samples-per-prompt", "2", "--tenant", "t1", "--reference", "ref-run-a", "--run-id", "run-cli", "--target", `127.0.0.1:${grpcPort}`, "--key", keys.operator, "--json"], io);
  assert.equal(res.exitCode, 0, err.join(""));
  const line = JSON.parse(out.join("")) as { status: string; steps: number; policyVersion: string };
  assert.deepEqual(line, { runId: "run-cli", status: "COMPLETED", steps: 2, policyVersion: "run-cli@2", stopReason: "", stopDetail: "" });
  assert.match(err.join(""), /step 2: reward/);
  const bad = await runRlRun(["--beta", "0.05"], io);
  assert.equal(bad.exitCode, 2);
  assert.match(err.join(""), /--reward-model is required/);
});
