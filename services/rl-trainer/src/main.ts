// Process entry (cluster mode): config from the environment, Kafka bus, stop on SIGTERM/SIGINT.
import { ConfigError, createKafkaBus, createLifecycle, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import { loadRlTrainerConfig } from "./config.js";
import { grpcReward } from "./reward-client.js";
import { createRlTrainerService, defaultRlTrainerOptions } from "./service.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadRlTrainerConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: "rl-trainer", level: config.logLevel });
  logger.info({ config }, "config loaded");
  const metrics = createMetrics({ service: "rl-trainer" });
  const pool = createPool({ url: config.databaseUrl, applicationName: "rl-trainer", logger });
  const bus = createKafkaBus({ brokers: config.kafkaBrokers, clientId: "rl-trainer", logger, metrics });
  const reward = grpcReward(config.rewardAddress);
  const service = createRlTrainerService({
    bus, pool, logger, metrics, rewardFor: reward.rewardFor,
    options: {
      dbSchema: config.dbSchema, topics: config.topics, groupPrefix: config.groupPrefix, httpPort: config.port, grpcPort: config.grpcPort, host: config.host,
      executor: { ...defaultRlTrainerOptions.executor, checkpointEvery: config.checkpointEvery, threads: config.threads },
    },
  });
  const lifecycle = createLifecycle({ logger });
  service.registerShutdown(lifecycle);
  lifecycle.onShutdown("reward client", () => reward.close(), { phase: "pools" });
  lifecycle.onShutdown("kafka bus", () => bus.close(), { phase: "pools" });
  lifecycle.onShutdown("postgres pool", () => pool.end(), { phase: "pools" });
  lifecycle.installSignalHandlers();
  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, "rl-trainer failed to start");
    const report = await lifecycle.shutdown("start failed");
    process.exit(report.code === 0 ? 1 : report.code);
  }
}

void main();
