import { createKafkaBus } from "../bus/kafka-bus.js";
import { kafkaSecurityOf, type KafkaSecurityConfig } from "../bus/kafka-security.js";
import type { Bus } from "../bus/types.js";
import { ConfigError } from "../config/load.js";
import { createPool, type Pool } from "../db/pool.js";
import { createLogger, type Logger, type LogLevel } from "../log/logger.js";
import { createMetrics, type Metrics } from "../metrics/metrics.js";
import { createLifecycle, type Lifecycle } from "./lifecycle.js";

/** The settings every service process reads from its environment (Kafka's TLS and SASL: spread
 * `kafkaSecurityFields` into the spec). */
export interface ServiceProcessConfig extends Partial<KafkaSecurityConfig> {
  readonly logLevel: LogLevel;
  readonly databaseUrl: string;
  /** Postgres pool size (default 10). */
  readonly dbPoolMax?: number;
  readonly kafkaBrokers: readonly string[];
  /** KAFKA_TOPIC_REPLICATION: replication of the topics the service creates when missing (default 1). */
  readonly kafkaTopicReplication?: number;
  /** METRICS_TOKEN: the bearer token /metrics requires (empty or absent: none). */
  readonly metricsToken?: string;
}

export interface ServiceProcessDeps<C> {
  readonly config: C;
  readonly bus: Bus;
  readonly pool: Pool;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** What a service built from its dependencies must offer to run as a process. */
export interface RunnableService {
  registerShutdown(lifecycle: Lifecycle): void;
  start(): Promise<unknown>;
}

/**
 * A service's process entry (cluster mode), the same for every service: config parsed once
 * (exit 2 naming the bad variables), logger, metrics, pool and Kafka bus built in one place and
 * passed in, shutdown in order on SIGTERM/SIGINT, exit non-zero when start fails.
 */
export async function runServiceProcess<C extends ServiceProcessConfig>(options: {
  service: string;
  loadConfig: () => C;
  build: (deps: ServiceProcessDeps<C>) => RunnableService;
}): Promise<void> {
  const { service: name } = options;
  let config: C;
  try {
    config = options.loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: name, level: config.logLevel });
  logger.info({ config }, "config loaded"); // loaded configs redact their secrets when serialized
  const metrics = createMetrics({ service: name, ...(config.metricsToken ? { scrapeToken: config.metricsToken } : {}) });
  const pool = createPool({ url: config.databaseUrl, max: config.dbPoolMax ?? 10, applicationName: name, logger });
  const bus = createKafkaBus({
    brokers: config.kafkaBrokers,
    clientId: name,
    logger,
    metrics,
    ...(config.kafkaTopicReplication ? { topicReplicationFactor: config.kafkaTopicReplication } : {}),
    security: kafkaSecurityOf({ kafkaTls: false, kafkaTlsCaFile: "", kafkaSaslMechanism: "", kafkaSaslUsername: "", kafkaSaslPassword: "", ...config }),
  });
  const service = options.build({ config, bus, pool, logger, metrics });

  const lifecycle = createLifecycle({ logger });
  service.registerShutdown(lifecycle);
  lifecycle.onShutdown("kafka bus", () => bus.close(), { phase: "pools" });
  lifecycle.onShutdown("postgres pool", () => pool.end(), { phase: "pools" });
  lifecycle.installSignalHandlers();

  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    const report = await lifecycle.shutdown("start failed");
    process.exit(report.code === 0 ? 1 : report.code);
  }
}
