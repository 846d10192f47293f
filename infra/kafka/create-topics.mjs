// Waits until the broker answers (bounded), then creates every topic of @rlhf-loop/proto's
// allTopicNames() that is missing, with KAFKA_TOPIC_PARTITIONS partitions (default 3). Idempotent.
// Runs under tsx because @rlhf-loop/proto ships TypeScript sources.
import { Kafka, logLevel } from "kafkajs";
import { allTopicNames } from "@rlhf-loop/proto";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(",");
const partitions = Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 3);
const deadline = Date.now() + Number(process.env.KAFKA_WAIT_S ?? 90) * 1000;

const kafka = new Kafka({ clientId: "rlhf-infra", brokers, logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 0 } });
const admin = kafka.admin();
let lastErr;
for (let i = 0; Date.now() < deadline && i < 200; i++) {
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    if (c.brokers.length > 0) break;
  } catch (err) {
    lastErr = err;
    await admin.disconnect().catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
  }
}
try {
  const existing = new Set(await admin.listTopics());
  const missing = allTopicNames().filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  }
  console.log(`topics: ${allTopicNames().length} present (${missing.length} created)`);
} catch (err) {
  console.error(`kafka did not answer: ${err?.message ?? lastErr?.message ?? err}`);
  process.exit(1);
} finally {
  await admin.disconnect().catch(() => {});
}
