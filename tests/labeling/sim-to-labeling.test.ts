/**
 * Issue 4 across services: the simulated product streams a day into the real ingestion service
 * (HTTP, API key), ingestion publishes on Kafka, and labeling consumes the same topics into its
 * own tables (it never reads ingestion's) and builds pairs. Checks the contract end to end:
 * tenant from the key, feedback ids, prompt hashes, outcome reports as feedback, and the canary
 * holdout (no pair touches a held-out conversation).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import type { Bus, Pool } from "@rlhf-loop/kit";
import { createApiKey, createIngestionService, createTenant } from "@rlhf-loop/ingestion";
import type { IngestionService } from "@rlhf-loop/ingestion";
import { createLabelingService, type LabelingService } from "@rlhf-loop/labeling";
import { createWorld, defaultWorldConfig, streamWorld } from "@rlhf-loop/sim";
import { isCanaryHoldout } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";
import { stackEnv } from "./harness.js";
import { dropTestData } from "../support/teardown.js";

const suffix = randomBytes(4).toString("hex");
const topics = { interactions: `test.${suffix}.interactions`, feedback: `test.${suffix}.feedback`, pairs: `test.${suffix}.pairs`, datasets: `test.${suffix}.datasets` };
const ingSchema = `ingestion_t_${suffix}`;
const labSchema = `labeling_t_${suffix}`;
let pool: Pool;
let bus: Bus;
let ing: IngestionService;
let lab: LabelingService;
let ingUrl: string;

before(async () => {
  const env = stackEnv();
  const logger = createLogger({ service: "sim-to-labeling", level: "silent" });
  const metrics = createMetrics({ service: "sim-to-labeling", defaultMetrics: false });
  pool = createPool({ url: env.databaseUrl, max: 10, logger });
  bus = createKafkaBus({ brokers: env.brokers, clientId: `s2l-${suffix}`, logger, metrics });
  ing = createIngestionService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0, dbSchema: ingSchema, topics: { interactions: topics.interactions, feedback: topics.feedback }, consumerGroup: `ing-${suffix}`, consumeFromBeginning: true, shutdownGraceMs: 1_000 } });
  lab = createLabelingService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0, dbSchema: labSchema, topics, consumerGroup: `lab-${suffix}`, consumeFromBeginning: true, shutdownGraceMs: 1_000, auditIntervalMs: 0, publishIntervalMs: 500 } });
  const { httpPort } = await ing.start();
  await lab.start();
  ingUrl = `http://127.0.0.1:${httpPort}`;
});

after(async () => {
  await lab?.stop().catch(() => undefined);
  await ing?.stop().catch(() => undefined);
  await bus?.close().catch(() => undefined);
  const admin = new Kafka({ clientId: `s2l-admin-${suffix}`, brokers: stackEnv().brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect().catch(() => undefined);
  await dropTestData({ pool, schemas: [ingSchema, labSchema], admin, topicPrefix: `test.${suffix}.` });
});

test("a simulated day through ingestion becomes pairs in labeling", async () => {
  const tenantId = `sim-${suffix}`;
  await createTenant(pool, { schema: ingSchema, tenantId, name: "Sim" });
  const { apiKey } = await createApiKey(pool, { schema: ingSchema, tenantId });
  const config = defaultWorldConfig();
  const world = createWorld({ ...config, traffic: { ...config.traffic, interactionsPerDay: 300 } }, 11);
  const result = await streamWorld(world, { days: 1, tail: true, ratePerSec: 5_000, target: ingUrl, apiKey });
  assert.equal(result.dropped, 0);

  const counts = await (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await pool.query<{ answers: number; feedback: number; pending: number }>(
        `select (select count(*)::int from "${labSchema}".answers) answers,
                (select count(*)::int from "${labSchema}".feedback) feedback,
                (select count(*)::int from "${labSchema}".feedback where status = 'pending') pending`,
      );
      const ingCount = await pool.query<{ i: number; f: number }>(`select (select count(*)::int from "${ingSchema}".interactions) i, (select count(*)::int from "${ingSchema}".feedback) f`);
      const row = r.rows[0] as { answers: number; feedback: number; pending: number };
      const want = ingCount.rows[0] as { i: number; f: number };
      if ((row.answers === want.i && row.feedback === want.f && row.pending === 0 && want.i > 0) || Date.now() > deadline) return { ...row, ...want };
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  assert.equal(counts.answers, counts.i, "labeling holds its own copy of every interaction");
  assert.equal(counts.feedback, counts.f, "and of every feedback event (outcomes included)");
  assert.equal(counts.pending, 0);

  const pairs = await pool.query<{ source: string; n: number }>(`select source, count(*)::int n from "${labSchema}".pairs group by source order by source`);
  const by = Object.fromEntries(pairs.rows.map((r) => [r.source, r.n]));
  assert.ok((by["comparison"] ?? 0) > 0, JSON.stringify(by));
  // Thumbs pairs never cross prompts: both answers share the prompt hash ingestion computed.
  const cross = await pool.query<{ n: number }>(
    `select count(*)::int n from "${labSchema}".pairs p join "${labSchema}".answers c on c.interaction_id = p.chosen_id join "${labSchema}".answers r on r.interaction_id = p.rejected_id
      where p.source in ('thumbs', 'rating', 'outcome') and c.group_key <> r.group_key`,
  );
  assert.equal(cross.rows[0]?.n, 0);
  const hashes = await pool.query<{ same: boolean }>(
    `select bool_and(l.prompt_hash = i.prompt_hash) same from "${labSchema}".answers l join "${ingSchema}".interactions i using (tenant_id, interaction_id)`,
  );
  assert.equal(hashes.rows[0]?.same, true, "labeling keeps ingestion's prompt hash");
  // The canary holdout: feedback on held-out conversations was dropped, and no pair touches one.
  const held = await pool.query<{ n: number }>(`select count(*)::int n from "${labSchema}".feedback where ignore_reason = 'canary_holdout'`);
  assert.ok((held.rows[0]?.n ?? 0) > 0, "a simulated day has feedback on held-out conversations");
  const sides = await pool.query<{ tenant_id: string; id: string; conversation_id: string }>(
    `select p.tenant_id, a.interaction_id id, a.conversation_id from "${labSchema}".pairs p
       join "${labSchema}".answers a on a.tenant_id = p.tenant_id and a.interaction_id in (p.chosen_id, p.rejected_id)`,
  );
  assert.ok(sides.rows.length > 0);
  assert.deepEqual(sides.rows.filter((r) => isCanaryHoldout(r.tenant_id, r.conversation_id, r.id)), []);
  await lab.flushPairs();
  const kafka = new Kafka({ clientId: `s2l-read-${suffix}`, brokers: stackEnv().brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topics.pairs);
  await admin.disconnect();
  const onTopic = offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
  const stored = Object.values(by).reduce((s, n) => s + n, 0);
  assert.equal(onTopic, stored, "every stored pair was published once");
  console.log(`sim day (300 chats): ${counts.i} interactions, ${counts.f} feedback -> pairs ${JSON.stringify(by)}`);
});
