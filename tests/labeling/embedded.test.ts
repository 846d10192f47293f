/**
 * Issue 4 in the embedded mode's shape: the labeling service on the in-process memory bus
 * (the same Bus interface as Kafka) and Postgres. Pairs reach the pairs topic, a snapshot is
 * announced on the datasets topic, and the gRPC StreamDatasetPairs hands the snapshot to other
 * services (which never read labeling's tables).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createGrpcClient, createLogger, createMemoryBus, createMetrics, createPool } from "@rlhf-loop/kit";
import type { Bus, BusRecord, Pool } from "@rlhf-loop/kit";
import { createLabelingService, createRater, type LabelingService } from "@rlhf-loop/labeling";
import { DatasetAnnouncementSchema, FeedbackSchema, InteractionSchema, Labeling, PreferencePairSchema, Topics } from "@rlhf-loop/proto";
import { fromBinary } from "@bufbuild/protobuf";
import { interaction, stackEnv, thumb } from "./harness.js";

const suffix = randomBytes(4).toString("hex");
const schema = `labeling_e_${suffix}`;
let pool: Pool;
let bus: Bus;
let svc: LabelingService;
let grpcPort: number;
const seen: { pairs: BusRecord[]; datasets: BusRecord[] } = { pairs: [], datasets: [] };

before(async () => {
  const logger = createLogger({ service: "labeling-embedded", level: "silent" });
  const metrics = createMetrics({ service: "labeling-embedded", defaultMetrics: false });
  pool = createPool({ url: stackEnv().databaseUrl, max: 4, logger });
  bus = createMemoryBus({ logger, metrics });
  svc = createLabelingService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0, dbSchema: schema, consumerGroup: "labeling", consumeFromBeginning: true, auditIntervalMs: 0, shutdownGraceMs: 500 } });
  ({ grpcPort } = await svc.start());
  await bus.subscribe({ groupId: "watcher", topics: [Topics.pairs, Topics.datasets], fromBeginning: true, handleBatch: async (rs) => void rs.forEach((r) => (r.topic === Topics.pairs ? seen.pairs : seen.datasets).push(r)) });
});

after(async () => {
  await svc?.stop();
  await bus?.close();
  await pool?.query(`drop schema if exists "${schema}" cascade`);
  await pool?.end();
});

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("on the memory bus: pairs published, snapshot announced and streamed over gRPC", async () => {
  const t = "solo";
  await bus.publish(Topics.interactions, InteractionSchema, [
    { key: "a", message: interaction(t, "a", "Where is my order?", "It ships today; tracking: ABC.") },
    { key: "b", message: interaction(t, "b", "Where is my order?", "Soon.") },
  ]);
  await bus.publish(Topics.feedback, FeedbackSchema, [
    { key: "a", message: thumb(t, "a", true, { rater: "u1" }) },
    { key: "b", message: thumb(t, "b", false, { rater: "u2" }) },
  ]);
  await until(() => seen.pairs.length === 1);
  const pair = fromBinary(PreferencePairSchema, seen.pairs[0]?.value ?? new Uint8Array());
  assert.equal(pair.chosenInteractionId, "a");
  assert.equal(seen.pairs[0]?.key, pair.promptHash);

  const manifest = await svc.snapshot({ tenantId: t, name: "solo-prefs" });
  assert.equal(manifest.datasetId, "solo-prefs@1");
  await until(() => seen.datasets.length === 1);
  const ann = fromBinary(DatasetAnnouncementSchema, seen.datasets[0]?.value ?? new Uint8Array());
  assert.equal(ann.manifest?.datasetId, "solo-prefs@1");
  assert.equal(ann.manifest?.contentSha256, manifest.contentSha256);

  const service = await createRater(pool, schema, { tenantId: t, raterId: "reward-service", role: "service" });
  const expert = await createRater(pool, schema, { tenantId: t, raterId: "an-expert" , role: "expert" });
  const client = createGrpcClient(Labeling, `127.0.0.1:${grpcPort}`);
  try {
    const got = [];
    for await (const p of client.streamDatasetPairs({ datasetId: "solo-prefs@1" }, { metadata: { authorization: `Bearer ${service.key}` } })) got.push(p);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.pair?.chosen, "It ships today; tracking: ABC.");
    assert.equal(got[0]?.finalWeight, 1);
    await assert.rejects(client.nextTask({}, { metadata: { authorization: `Bearer ${service.key}` } }), /service key cannot take or judge/);
    await assert.rejects(
      (async () => {
        for await (const p of client.streamDatasetPairs({ datasetId: "solo-prefs@1" }, { metadata: { authorization: `Bearer ${expert.key}` } })) void p;
      })(),
      /role lead or service/,
    );
  } finally {
    client.close();
  }
});
