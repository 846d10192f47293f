// The canary on real Kafka and Postgres, with Policy and Reward reached over real gRPC (served here
// from the simulated product's bot, so the answers are known): held-out traffic arrives on its topic,
// a canary set is sampled from it, a final checkpoint announced on the policies topic is canaried
// automatically and its report announced; a better checkpoint is promoted and becomes the tenant's
// served policy; bad input gets field paths and stores nothing; a replayed announcement runs nothing.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { AppError, addService, bindGrpc, createGrpcClient, newApiKey, createGrpcServer, createKafkaBus, createLogger, createMetrics, createPool, stopGrpc, type Bus, type BusRecord, type Pool } from "@rlhf-loop/kit";
import { CanaryDecision, CanaryReportAnnouncementSchema, InteractionSchema, Canary, Policy, PolicyAnnouncementSchema, Reward, isCanaryHoldout, type CanaryReport } from "@rlhf-loop/proto";
import { createWorld, customerText, defaultWorldConfig, gold, productionPolicy, type IntentId, type Slots } from "@rlhf-loop/sim";
import { SIM_SUPPORT_CHECKS, canaryKeys, createCanaryService, grpcAnswers, grpcScores, simJudge, type CanaryService } from "@rlhf-loop/canary";
import { readStackEnv } from "../support/stack-env.js";

const env = readStackEnv();
const skip = !env ? "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)" : false;
const suffix = randomBytes(4).toString("hex");
const schema = `canary_t_${suffix}`;
const topics = { interactions: `test.${suffix}.interactions`, feedback: `test.${suffix}.feedback`, policies: `test.${suffix}.policies`, reports: `test.${suffix}.canary-reports` };
const config = defaultWorldConfig();
const world = createWorld(config, 21);
const bot = productionPolicy(config);
const words = (a: string) => a.match(/\S+/g)?.length ?? 0;
const firstSentence = (t: string) => (t.match(/[^.!?]+[.!?]/) ?? [t])[0]!.trim();

// The keys the canary calls Policy and Reward with; the doubles refuse any other caller, as the
// real services do.
const POLICY_KEY = newApiKey("pk");
const REWARD_KEY = newApiKey("rk");
function requireKey(ctx: { header(n: string): string | undefined }, k: string): void {
  if (ctx.header("authorization") !== `Bearer ${k}`) throw new AppError("unauthenticated", "missing or wrong key");
}

/** What the product's back office knew about each published prompt (the bot answers from it). */
const backOffice = new Map<string, { intent: IntentId; slots: Slots; segment: string }>();

/** The bot's answer to a prompt, for a seed. */
function botAnswer(prompt: string, seed: string): string {
  const known = backOffice.get(prompt);
  if (!known) throw new AppError("invalid_argument", `unknown prompt: ${prompt.slice(0, 40)}`);
  const answered = bot.answer([{ interactionId: seed, prompt: [{ role: "user", content: prompt }], segment: known.segment, seed, backOffice: { intent: known.intent, slots: known.slots } }]) as readonly { text: string }[];
  return answered[0]!.text;
}

/** Checkpoints this test double serves: "short" cuts the bot to one sentence; "best" is the bot's best of 4 by gold. */
function answerFor(version: string, prompt: string, seed: string): string {
  const a = botAnswer(prompt, seed);
  if (version.startsWith("short")) return firstSentence(a);
  if (version.startsWith("best")) return [0, 1, 2, 3].map((k) => botAnswer(prompt, `${seed}/${k}`)).reduce((x, y) => (gold(prompt, y) > gold(prompt, x) ? y : x));
  throw new AppError("not_found", `policy version ${version} not found`);
}

let bus: Bus;
let pool: Pool;
let svc: CanaryService;
let httpBase = "";
let canaryAddr = "";
/** An operator key of tenant t1 (made once the canary's migrations ran). */
let key = "";
const grpc = createGrpcServer();
const announced: CanaryReport[] = [];
const answers = { close: () => undefined } as ReturnType<typeof grpcAnswers>;
let heldOutPublished = 0;
let questionsPublished = 0;
let allMessages: { key: string; message: ReturnType<typeof create<typeof InteractionSchema>> }[] = [];

async function eventually<T>(f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(`${httpBase}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: res.status, json, text };
}

before(async () => {
  if (skip) return;
  const logger = createLogger({ service: "canary-test", level: (process.env["TEST_LOG_LEVEL"] ?? "silent") as "silent" });
  const metrics = createMetrics({ service: "canary-test", defaultMetrics: false });
  pool = createPool({ url: env!.databaseUrl, max: 4, applicationName: "canary-test", logger });
  bus = createKafkaBus({ brokers: env!.brokers, clientId: `canary-test-${suffix}`, logger, metrics });

  addService(grpc, Policy, {
    async generate() {
      throw new AppError("failed_precondition", "this double serves GenerateBatch only");
    },
    async generateBatch(req, ctx) {
      requireKey(ctx, POLICY_KEY);
      const out = req.prompts.flatMap((p, i) => Array.from({ length: req.samplesPerPrompt || 1 }, (_, s) => ({ promptIndex: i, sampleIndex: s, answer: answerFor(req.policyVersion, p, `${req.seed}/${i}/${s}`), tokens: 0, logProb: 0 })));
      return { policyVersion: req.policyVersion, answers: out };
    },
    async startRun() {
      throw new AppError("failed_precondition", "not served by this double");
    },
    async getRun() {
      throw new AppError("failed_precondition", "not served by this double");
    },
  }, { logger, metrics });
  addService(grpc, Reward, {
    async score() {
      throw new AppError("failed_precondition", "this double serves ScoreBatch only");
    },
    async scoreBatch(req, ctx) {
      requireKey(ctx, REWARD_KEY);
      // "length-rm" likes short answers; "gold-rm" is the simulated product's gold utility.
      const scores = req.items.map((x) => (req.modelId === "length-rm" ? -words(x.answer) : gold(x.prompt, x.answer)));
      return { modelId: req.modelId, scores };
    },
    async compare() {
      throw new AppError("failed_precondition", "not served by this double");
    },
    async getModel(req, ctx) {
      requireKey(ctx, REWARD_KEY);
      // Both models are t1's: the canary asks for the owner of a model a caller names.
      if (req.modelId !== "length-rm" && req.modelId !== "gold-rm") throw new AppError("not_found", `unknown reward model ${req.modelId}`);
      return { model: { modelId: req.modelId, tenantId: "t1" } };
    },
  }, { logger, metrics });
  const port = await bindGrpc(grpc, "127.0.0.1:0");
  const policyAnswers = grpcAnswers(`127.0.0.1:${port}`, { promptsPerCall: 40, key: POLICY_KEY });
  Object.assign(answers, policyAnswers);
  const scores = grpcScores(`127.0.0.1:${port}`, { key: REWARD_KEY });

  svc = createCanaryService({
    bus, pool, logger, metrics, answers: policyAnswers, scores, judge: simJudge(config),
    options: { dbSchema: schema, topics, groupPrefix: `canary-test-${suffix}`, httpPort: 0, grpcPort: 0, samplesPerTask: 2, bootstrapResamples: 300, template: SIM_SUPPORT_CHECKS, watchRefreshMs: 500 },
  });
  const ports = await svc.start();
  httpBase = `http://127.0.0.1:${ports.httpPort}`;
  canaryAddr = `127.0.0.1:${ports.grpcPort}`;
  key = (await canaryKeys.create(pool, { schema, tenantId: "t1", role: "operator", label: "test" })).key;
  await bus.subscribe({
    groupId: `canary-test-reader-${suffix}`, topics: [topics.reports], fromBeginning: true,
    handleBatch: async (records: readonly BusRecord[]) => {
      for (const r of records) announced.push(fromBinary(CanaryReportAnnouncementSchema, r.value!).report!);
    },
  });
  // Three simulated days of chats; about 1 conversation in 20 is held out for canary sets.
  const msgs: { key: string; message: ReturnType<typeof create<typeof InteractionSchema>> }[] = [];
  for (let d = 0; d < 3; d++) {
    for (const e of await world.day(d)) {
      if (e.event.event.case !== "interaction") continue;
      const i = create(InteractionSchema, { ...e.event.event.value, tenantId: "t1" });
      if (e.interaction) backOffice.set(customerText(i.prompt.map((m) => ({ role: m.role, content: m.content }))), { intent: e.interaction.intent, slots: e.interaction.slots, segment: e.interaction.segment });
      if (isCanaryHoldout(i.tenantId, i.conversationId, i.interactionId) && e.interaction?.purpose === "chat") heldOutPublished++;
      if (!i.regeneratedFrom) questionsPublished++;
      msgs.push({ key: i.interactionId, message: i });
    }
  }
  allMessages = msgs;
  // In batches: one produce request must stay under the broker's message size limit.
  for (let i = 0; i < msgs.length; i += 500) await bus.publish(topics.interactions, InteractionSchema, msgs.slice(i, i + 500));
});

after(async () => {
  if (skip) return;
  await svc?.stop();
  await stopGrpc(grpc, 2_000);
  answers.close();
  await bus?.close();
  await pool?.query(`drop schema if exists ${schema} cascade`);
  await pool?.end();
});

test("held-out traffic becomes a stratified canary set; bad requests name their fields and store nothing", { skip, timeout: 180_000 }, async () => {
  assert.ok(heldOutPublished > 100, `held-out chats published: ${heldOutPublished}`);
  await eventually(async () => {
    const r = await pool.query(`select count(*)::int as n from ${schema}.traffic where purpose = 'chat'`);
    return (r.rows[0] as { n: number }).n >= heldOutPublished ? true : undefined;
  });
  const other = await pool.query(`select count(*)::int as n from ${schema}.traffic`);
  assert.ok((other.rows[0] as { n: number }).n < heldOutPublished * 3, "only held-out conversations are stored");

  const bad = await http("POST", "/v1/canary-sets", { tenantId: "t1", fromTraffic: { size: 0, checks: { intents: { refund_in_window: { maxWords: -3 } } } } });
  assert.equal(bad.status, 400);
  assert.deepEqual(((bad.json["error"] as { fields: { path: string }[] }).fields).map((f) => f.path), ["fromTraffic.checks.intents.refund_in_window.maxWords"]);
  const badImport = await http("POST", "/v1/canary-sets", { tenantId: "t1", jsonl: `${JSON.stringify({ prompt: "hi" })}\n{broken\n${JSON.stringify({ prompt: "" })}` });
  assert.equal(badImport.status, 400);
  assert.deepEqual(((badImport.json["error"] as { fields: { path: string }[] }).fields).map((f) => f.path), ["line 2: $", "line 3: prompt"]);
  assert.deepEqual((await http("GET", "/v1/canary-sets?tenant=t1")).json["sets"], [], "nothing stored");

  const made = await http("POST", "/v1/canary-sets", { tenantId: "t1", fromTraffic: { size: 200, seed: 3 } });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json["tasks"], 200);
  assert.equal(made.json["version"], 1);
  const intents = made.json["intents"] as Record<string, number>;
  assert.ok(Object.keys(intents).length >= 6, `strata: ${JSON.stringify(intents)}`);
  const set = await http("GET", `/v1/canary-sets/${String(made.json["setId"])}`);
  const tasks = set.json["tasks"] as { checks: { maxWords?: number; oneQuestion?: boolean }; intent: string; loggedAnswer: string }[];
  assert.ok(tasks.every((t) => t.checks.maxWords === 180 && t.loggedAnswer), "the sim-support checks template and the logged answer on every task");
  assert.ok(tasks.filter((t) => t.intent === "ambiguous").every((t) => t.checks.oneQuestion === true));
});

test("a final checkpoint is canaried on its own: shorter everywhere under a length-loving reward model is held and announced", { skip, timeout: 180_000 }, async () => {
  const announce = () => bus.publish(topics.policies, PolicyAnnouncementSchema, [{ key: "short-v1", message: create(PolicyAnnouncementSchema, { policyVersion: "short-v1", tenantId: "t1", runId: "run-short", rewardModelId: "length-rm", final: true, createdAt: timestampNow() }) }]);
  await announce();
  const report = await eventually(async () => announced.find((r) => r.candidateVersion === "short-v1"));
  assert.equal(report.decision, CanaryDecision.HOLD, JSON.stringify(report.reasons));
  assert.equal(report.reasons[0]!.code, "shorter_everywhere");
  assert.equal(report.rewardModelId, "length-rm");
  assert.equal(report.runId, "run-short");
  assert.equal(report.tasks, 200);
  const win = report.metrics.find((m) => m.name === "reward_win_rate" && m.intent === "")!;
  assert.ok(win.candidate > 0.9, `the proxy loves it: ${win.candidate}`);
  const page = await http("GET", report.reportPath);
  assert.equal(page.status, 200);
  assert.match(page.text, /shorter_everywhere/);
  assert.match(page.text, /<svg/);
  // A replayed announcement is the same run: no second report.
  await announce();
  await new Promise((r) => setTimeout(r, 2_000));
  const runs = (await http("GET", "/v1/canary-runs?tenant=t1")).json["runs"] as unknown[];
  assert.equal(runs.length, 1);
  assert.equal(announced.filter((r) => r.candidateVersion === "short-v1").length, 1);
});

test("a better checkpoint is promoted over gRPC and becomes the tenant's served policy", { skip, timeout: 180_000 }, async () => {
  const client = createGrpcClient(Canary, canaryAddr);
  const md = { metadata: { authorization: `Bearer ${key}` } };
  try {
    const before = await client.getServingPolicy({ tenantId: "t1" }, md);
    assert.equal(before.policyVersion, "");
    const res = await client.startCanary({ tenantId: "t1", candidateVersion: "best-v1", rewardModelId: "gold-rm" }, { timeoutMs: 150_000, ...md });
    const r = res.report!;
    assert.equal(r.decision, CanaryDecision.PROMOTE, JSON.stringify(r.reasons));
    const g = r.metrics.find((m) => m.name === "gold" && m.intent === "")!;
    assert.ok(g.deltaLow > 0, `gold rose: ${g.delta} [${g.deltaLow}, ${g.deltaHigh}]`);
    const serving = await client.getServingPolicy({ tenantId: "t1" }, md);
    assert.equal(serving.policyVersion, "best-v1");
    assert.equal(serving.reportId, r.reportId);
    // Weekly tracking: the served policy answers the canary set; figures with intervals per week.
    const tracked = await http("POST", "/v1/tenants/t1/track", { at: "2025-03-05T12:00:00Z" });
    assert.equal(tracked.status, 200, tracked.text);
    const point = tracked.json["point"] as { weekStart: string; policyVersion: string; rewardModelId: string; figures: Record<string, { estimate: number; low: number; high: number }> };
    assert.deepEqual([point.weekStart, point.policyVersion, point.rewardModelId], ["2025-03-03", "best-v1", "gold-rm"]);
    assert.ok(point.figures["gold"]!.estimate > 0 && point.figures["hard_check_pass"]!.low <= point.figures["hard_check_pass"]!.estimate);
    const badTrack = await http("POST", "/v1/tenants/t1/track", { at: "yesterday" });
    assert.equal(badTrack.status, 400);
    const missing = await client.startCanary({ tenantId: "t1", candidateVersion: "", rewardModelId: "gold-rm" }, md).catch((e: unknown) => e as AppError);
    assert.ok(missing instanceof AppError && missing.code === "invalid_argument" && missing.fields[0]?.path === "candidate_version");
    await eventually(async () => announced.find((x) => x.candidateVersion === "best-v1"));
  } finally {
    client.close();
  }
});

test("every interaction is folded into its week once, even when the topic redelivers it", { skip, timeout: 180_000 }, async () => {
  type Week = { questions: number; intents: Record<string, number>; weekStart: string };
  const total = async () => {
    const r = await http("GET", "/v1/tenants/t1/watch");
    return (r.json["weeks"] as Week[]).reduce((s, w) => s + w.questions, 0);
  };
  await eventually(async () => ((await total()) === questionsPublished ? true : undefined));
  const watch = await http("GET", "/v1/tenants/t1/watch");
  const weeks = watch.json["weeks"] as Week[];
  assert.ok(weeks.length >= 1);
  assert.ok(Object.keys(weeks[0]!.intents).length >= 6, "intents from the product's metadata.intent tag");
  // The same events again (a replay after a crash): nothing is counted twice.
  for (let i = 0; i < 1000; i += 500) await bus.publish(topics.interactions, InteractionSchema, allMessages.slice(i, i + 500));
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(await total(), questionsPublished);
  // The gauges are refreshed off the consume path, on the watch's timer (500 ms here).
  const metrics = await eventually(async () => {
    const text = await fetch(`${httpBase}/metrics`).then((r) => r.text());
    return /rlhf_canary_week_rate\{tenant="t1",kind="repeat_question"[,}]/.test(text) ? text : undefined;
  }, 10_000);
  assert.match(metrics, /rlhf_canary_runs_total\{tenant="t1",decision="hold"[^}]*\} 1\n/);
});
