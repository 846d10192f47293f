import { ConfigError, createKafkaBus, createLifecycle, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import { loadIngestionConfig } from "./config.js";
import { createIngestionService } from "./service.js";
import { optionsFromConfig } from "./service-options.js";

/** Process entry (cluster mode): config from the environment, Kafka bus, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadIngestionConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: "ingestion", level: config.logLevel });
  const metrics = createMetrics({ service: "ingestion" });
  const pool = createPool({ url: config.databaseUrl, max: config.dbPoolMax, applicationName: "ingestion", logger });
  const bus = createKafkaBus({ brokers: config.kafkaBrokers, clientId: "ingestion", logger, metrics });
  const service = createIngestionService({ bus, pool, logger, metrics, options: optionsFromConfig(config) });

  const lifecycle = createLifecycle({ logger });
  service.registerShutdown(lifecycle);
  lifecycle.onShutdown("kafka bus", () => bus.close(), { phase: "pools" });
  lifecycle.onShutdown("postgres pool", () => pool.end(), { phase: "pools" });
  lifecycle.installSignalHandlers();

  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, "ingestion failed to start");
    const report = await lifecycle.shutdown("start failed");
    process.exit(report.code === 0 ? 1 : report.code);
  }
}

void main();
