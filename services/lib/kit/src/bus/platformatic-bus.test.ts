import { Kafka, logLevel } from "kafkajs";
import { createLogger } from "../log/logger.js";
import { NO_KAFKA, stackEnv } from "../testing/wait.js";
import { runBusSuite, type BusFixture } from "./bus-suite.js";
import { createPlatformaticBus } from "./platformatic-bus.js";
import { runProducerRecoverySuite } from "./producer-recovery-suite.js";

const brokers = stackEnv.brokers;

async function fixture(): Promise<BusFixture> {
  const bus = createPlatformaticBus({
    brokers: brokers ?? [],
    clientId: "kit-test-plt",
    logger: createLogger({ service: "kit-test-plt", level: "silent" }),
    sessionTimeoutMs: 6_000,
  });
  return {
    bus,
    async cleanup(topics) {
      const admin = new Kafka({ clientId: "kit-test-plt-cleanup", brokers: brokers ?? [], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

runBusSuite("@platformatic/kafka on the real broker", fixture, brokers ? false : NO_KAFKA);
runProducerRecoverySuite("@platformatic/kafka on the real broker", fixture, brokers ? false : NO_KAFKA);
