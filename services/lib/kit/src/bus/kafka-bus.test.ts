import { Kafka, logLevel } from "kafkajs";
import { createLogger } from "../log/logger.js";
import { NO_KAFKA, stackEnv } from "../testing/wait.js";
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
