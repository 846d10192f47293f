// The one-shot job as a process on real Kafka and Postgres: it takes exactly one run request from
// its topic, trains against the reward service's gRPC ScoreBatch (a real scoring function served
// here), stores the run and exits 0; a second request stays on the topic for the next pod.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AppError, addService, bindGrpc, newApiKey, createGrpcServer, createKafkaBus, createLogger, createMetrics, createPool, runMigrations, stopGrpc } from "@rlhf-loop/kit";
import { Reward, RlRunRequestSchema } from "@rlhf-loop/proto";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { RlStore, simChats } from "@rlhf-loop/rl-trainer";
import { Kafka, logLevel } from "kafkajs";

const brokers = process.env["KAFKA_BROKERS"];
const databaseUrl = process.env["DATABASE_URL"];
const skip = !brokers || !databaseUrl ? "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up; source .run/stack.env)" : false;

test("job.ts runs one request from its topic and exits 0", { skip, timeout: 300_000 }, async () => {
  const suffix = randomBytes(4).toString("hex");
  const schema = `rl_trainer_j_${suffix}`;
  const logger = createLogger({ service: "rl-job-test", level: "silent" });
  const metrics = createMetrics({ service: "rl-job-test", defaultMetrics: false });
  const pool = createPool({ url: databaseUrl!, max: 2, applicationName: "rl-job-test", logger });
  const bus = createKafkaBus({ brokers: brokers!.split(","), clientId: `rl-job-test-${suffix}`, logger, metrics });
  const topic = `test.${suffix}.rl-runs`;
  const reward = createGrpcServer();
  let scored = 0;
  // The reward service refuses callers without a key; the job sends RL_REWARD_KEY.
  const rewardKey = newApiKey("rk");
  addService(reward, Reward, {
    score: async () => ({ modelId: "rm-1", score: 0 }),
    scoreBatch: async (req, ctx) => {
      if (ctx.header("authorization") !== `Bearer ${rewardKey}`) throw new AppError("unauthenticated", "missing or wrong key");
      scored += req.items.length;
      return { modelId: req.modelId, scores: req.items.map((i) => -(i.answer.match(/\S+/g)?.length ?? 0) / 20) };
    },
    compare: async () => ({}),
    getModel: async () => ({}),
  });
  const rewardPort = await bindGrpc(reward, "127.0.0.1:0");
  try {
    // The main service would have filled these from the topics; the job shares its schema.
    await runMigrations(pool, { schema, dir: new URL("../../services/rl-trainer/migrations", import.meta.url).pathname, logger });
    const store = new RlStore(pool, schema);
    const chats = await simChats(createWorld(defaultWorldConfig(), 7), 600);
    await store.insertLoggedAnswers(chats.map((c, i) => ({ interactionId: `i${i}`, tenantId: "t1", prompt: c.prompt, answer: c.answer, canary: false, occurredAt: null })));
    await store.upsertRewardModel({ modelId: "rm-1", tenantId: "t1", status: "APPROVED" });
    await bus.ensureTopics([topic, `${topic}.dlq`]);
    const req = (id: string) => ({ key: id, message: create(RlRunRequestSchema, { runId: id, tenantId: "t1", rewardModelId: "rm-1", config: { steps: 2, promptsPerStep: 8, samplesPerPrompt: 2 } }) });
    await bus.publish(topic, RlRunRequestSchema, [req("job-1"), req("job-2")]);
    const env = {
      ...process.env, DATABASE_URL: databaseUrl!, KAFKA_BROKERS: brokers!, RL_DB_SCHEMA: schema, REWARD_GRPC_ADDRESS: `127.0.0.1:${rewardPort}`, RL_REWARD_KEY: rewardKey,
      RL_TOPIC_RL_RUNS: topic, RL_TOPIC_POLICIES: `test.${suffix}.policies`, RL_TOPIC_REWARD_MODELS: `test.${suffix}.reward-models`,
      RL_TOPIC_INTERACTIONS: `test.${suffix}.interactions`, RL_TOPIC_CANARY_REPORTS: `test.${suffix}.canary-reports`, RL_GROUP_PREFIX: `rl-job-test-${suffix}`, PORT: "0", GRPC_PORT: "0", HOST: "127.0.0.1",
      RL_JOB_WAIT_SECONDS: "120", RL_THREADS: "1", LOG_LEVEL: "warn",
    };
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, ["--import", "tsx", "services/rl-trainer/src/job.ts"], { env, stdio: ["ignore", "ignore", "inherit"] });
      p.on("exit", (c) => resolve(c));
    });
    assert.equal(code, 0);
    // The two requests may sit on different partitions: the job takes one of them, exactly one.
    const runs = [await store.getRun("job-1"), await store.getRun("job-2")];
    const done = runs.filter((r) => r !== undefined);
    assert.equal(done.length, 1, "one request per job; the other waits for the next pod");
    assert.equal(done[0]!.status, "completed");
    assert.equal(done[0]!.policyVersion, `${done[0]!.runId}@2`);
    assert.equal(scored, 2 * 16, "two steps of 8 prompts x 2 samples were scored over gRPC");
  } finally {
    await stopGrpc(reward, 1000);
    await bus.close();
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.end();
    // This test's own topics only (random suffix).
    const admin = new Kafka({ clientId: `rl-job-test-admin-${suffix}`, brokers: brokers!.split(","), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`test.${suffix}.`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  }
});
