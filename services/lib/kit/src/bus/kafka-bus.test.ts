import { Kafka, logLevel } from "kafkajs";
import { createLogger } from "../log/logger.js";
import { NO_KAFKA, stackEnv } from "../testing/wait.js";
import { runBusSuite } from "./bus-suite.js";
import { createKafkaBus } from "./kafka-bus.js";

const brokers = stackEnv.brokers;

runBusSuite(
  "kafkajs on the real broker",
  async () => {
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
  },
  brokers ? false : NO_KAFKA,
);
