import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { createLogger } from "../log/logger.js";
import { NO_KAFKA, randomSuffix, stackEnv } from "../testing/wait.js";
import { runBusSuite, type BusFixture } from "./bus-suite.js";
import { createKafkaBus } from "./kafka-bus.js";
import { runProducerRecoverySuite } from "./producer-recovery-suite.js";

const brokers = stackEnv.brokers;

async function fixture(): Promise<BusFixture> {
  const bus = createKafkaBus({
    brokers: brokers ?? [],
    clientId: "kit-test",
    logger: createLogger({ service: "kit-test", level: "silent" }),
    sessionTimeoutMs: 6_000,
  });
  return {
    bus,
    async cleanup(topics) {
      const admin = new Kafka({ clientId: "kit-test-cleanup", brokers: brokers ?? [], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

runBusSuite("kafkajs on the real broker", fixture, brokers ? false : NO_KAFKA);
runProducerRecoverySuite("kafkajs on the real broker", fixture, brokers ? false : NO_KAFKA);

describe("kafkajs bus: topic replication", { skip: brokers ? false : NO_KAFKA }, () => {
  it("ensureTopics creates missing topics with the bus's replication factor (2 on the one-broker stack is refused)", async () => {
    const bus = createKafkaBus({ brokers: brokers ?? [], clientId: "kit-test-repl", logger: createLogger({ service: "kit-test", level: "silent" }), topicReplicationFactor: 2 });
    const topic = `test.kit.repl.${randomSuffix()}`;
    try {
      await assert.rejects(bus.ensureTopics([topic]), new RegExp(`creating topics failed: ${topic.replaceAll(".", "\\.")}: INVALID_REPLICATION_FACTOR`));
      await bus.ensureTopics([topic], { replicationFactor: 1 }); // a named factor wins
    } finally {
      await (await fixture()).cleanup([topic]);
      await bus.close();
    }
  });
});
