// Embedded mode: embedded Postgres, the in-process bus and all five services in this process, each
// with its own metrics registry and its own ports, talking over loopback gRPC and HTTP as in a cluster.
// Without a simulated world (a team's own feedback, `rlhf run`) the judges are the keyword ones and
// the canary uses its default checks template: there is no hidden gold to read.
import { canaryKeys, createCanaryService, grpcAnswers, grpcScores, keywordJudge, simJudge as canarySimJudge, SIM_SUPPORT_CHECKS } from "@rlhf-loop/canary";
import { createApiKey, createIngestionService, createTenant } from "@rlhf-loop/ingestion";
import { createLogger, createMemoryBus, createMetrics, createPool } from "@rlhf-loop/kit";
import { createLabelingService, createRater } from "@rlhf-loop/labeling";
import { Topics } from "@rlhf-loop/proto";
import { createRewardService, rewardKeys } from "@rlhf-loop/reward";
import { createRlTrainerService, grpcReward, policyKeys, simJudge as rlSimJudge } from "@rlhf-loop/rl-trainer";
import type { World } from "@rlhf-loop/sim";
import { startEmbeddedPostgres } from "../../embedded/postgres.js";
import type { LoopStack } from "./stack.js";

export async function startEmbeddedStack(world: World | undefined, tenantId: string, say: (line: string) => void): Promise<LoopStack> {
  say("starting embedded Postgres and the in-process bus");
  const pg = await startEmbeddedPostgres();
  const logger = createLogger({ service: "demo", level: (process.env["LOG_LEVEL"] as "warn" | undefined) ?? "error" });
  const pool = createPool({ url: pg.url, max: 20, applicationName: "demo", logger });
  const bus = createMemoryBus({ logger, metrics: createMetrics({ service: "bus", defaultMetrics: false }) });
  const m = (service: string) => createMetrics({ service, defaultMetrics: false });
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => logger.warn({ err }, "stop failed"));
  };
  try {
    const ingestion = createIngestionService({ bus, pool, logger, metrics: m("ingestion"), options: { httpPort: 0, grpcPort: 0 } });
    const ing = await ingestion.start();
    stops.push(() => ingestion.stop());
    await createTenant(pool, { schema: "ingestion", tenantId, name: world ? "Northwind support (simulated)" : tenantId, ratePerSec: 50_000, burst: 100_000 });
    const apiKey = (await createApiKey(pool, { schema: "ingestion", tenantId, label: "demo" })).apiKey;

    const labeling = createLabelingService({ bus, pool, logger, metrics: m("labeling"), options: { httpPort: 0, grpcPort: 0, auditIntervalMs: 0, shutdownGraceMs: 1_000 } });
    const lab = await labeling.start();
    stops.push(() => labeling.stop());
    const labelingSchema = labeling.options.dbSchema;
    const lead = await createRater(pool, labelingSchema, { tenantId, raterId: "demo-lead", role: "lead" });
    const rewardKey = await createRater(pool, labelingSchema, { tenantId, raterId: "reward-service", role: "service" });

    const reward = createRewardService({
      bus, pool, logger, metrics: m("reward"),
      options: { httpPort: 0, grpcPort: 0, labelingAddress: `127.0.0.1:${lab.grpcPort}`, labelingKeys: { [tenantId]: rewardKey.key }, tenantId, shutdownGraceMs: 1_000, workers: 1 },
    });
    const rw = await reward.start();
    stops.push(() => reward.stop());
    const rewardGrpc = `127.0.0.1:${rw.grpcPort}`;
    // Every service asks its callers for a key: the internal callers get service keys of every tenant.
    const serviceKey = (keys: typeof rewardKeys, schema: string, label: string) => keys.create(pool, { schema, tenantId: "*", role: "service", label }).then((k) => k.key);
    const rlRewardKey = await serviceKey(rewardKeys, reward.options.dbSchema, "demo rl-trainer");
    const canaryRewardKey = await serviceKey(rewardKeys, reward.options.dbSchema, "demo canary");

    const rewardClient = grpcReward(rewardGrpc, { key: rlRewardKey });
    stops.push(async () => rewardClient.close());
    const rl = createRlTrainerService({ bus, pool, logger, metrics: m("rl-trainer"), rewardFor: rewardClient.rewardFor, ...(world ? { judge: rlSimJudge(world) } : {}), options: { httpPort: 0, grpcPort: 0 } });
    const rlPorts = await rl.start();
    stops.push(() => rl.stop());
    const rlGrpc = `127.0.0.1:${rlPorts.grpcPort}`;
    const canaryPolicyKey = await serviceKey(policyKeys, rl.options.dbSchema, "demo canary");
    const policyKey = (await policyKeys.create(pool, { schema: rl.options.dbSchema, tenantId, role: "operator", label: "demo" })).key;

    const answers = grpcAnswers(rlGrpc, { key: canaryPolicyKey });
    const scores = grpcScores(rewardGrpc, { key: canaryRewardKey });
    stops.push(async () => {
      answers.close();
      scores.close();
    });
    const canary = createCanaryService({ bus, pool, logger, metrics: m("canary"), answers, scores, judge: world ? canarySimJudge(world.config) : keywordJudge, options: { httpPort: 0, grpcPort: 0, ...(world ? { template: SIM_SUPPORT_CHECKS } : {}) } });
    const cn = await canary.start();
    stops.push(() => canary.stop());
    const canaryKey = (await canaryKeys.create(pool, { schema: canary.options.dbSchema, tenantId, role: "operator", label: "demo" })).key;
    stops.unshift(async () => {
      await pool.end();
      await pg.stop();
    });
    stops.splice(1, 0, () => bus.close());

    return {
      mode: "embedded",
      tenantId,
      ingestUrl: `http://127.0.0.1:${ing.httpPort}`,
      apiKey,
      labelingUrl: `http://127.0.0.1:${lab.httpPort}`,
      labelingLeadKey: lead.key,
      labelingSchema,
      rewardGrpc,
      rlUrl: `http://127.0.0.1:${rlPorts.httpPort}`,
      rlGrpc,
      policyKey,
      canaryUrl: `http://127.0.0.1:${cn.httpPort}`,
      canaryKey,
      databaseUrl: pg.url,
      pool,
      bus,
      topics: { rewardModels: Topics.rewardModels, rlRuns: Topics.rlRuns, canaryReports: Topics.canaryReports },
      consumers: [
        { groupId: labeling.options.consumerGroup, topics: [Topics.interactions, Topics.feedback] },
        { groupId: "canary.interactions", topics: [Topics.interactions] },
        { groupId: "canary.feedback", topics: [Topics.feedback] },
        { groupId: "rl-trainer.interactions", topics: [Topics.interactions] },
      ],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    await bus.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    throw err;
  }
}
