import { ConfigError, createKafkaBus, createLifecycle, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import { loadRewardConfig, optionsFromConfig } from "./config.js";
import { createRewardService } from "./service.js";

/** Process entry (cluster mode): config from the environment, Kafka bus, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadRewardConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: "reward", level: config.logLevel });
  const metrics = createMetrics({ service: "reward" });
  const pool = createPool({ url: config.databaseUrl, max: config.dbPoolMax, applicationName: "reward", logger });
  const bus = createKafkaBus({ brokers: config.kafkaBrokers, clientId: "reward", logger, metrics });
  const service = createRewardService({ bus, pool, logger, metrics, options: optionsFromConfig(config) });

  const lifecycle = createLifecycle({ logger });
  service.registerShutdown(lifecycle);
  lifecycle.onShutdown("kafka bus", () => bus.close(), { phase: "pools" });
  lifecycle.onShutdown("postgres pool", () => pool.end(), { phase: "pools" });
  lifecycle.installSignalHandlers();

  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, "reward failed to start");
    const report = await lifecycle.shutdown("start failed");
    process.exit(report.code === 0 ? 1 : report.code);
  }
}

void main();
