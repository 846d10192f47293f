import { createKafkaBus } from "../bus/kafka-bus.js";
import { kafkaSecurityFields, kafkaSecurityIssues, kafkaSecurityOf } from "../bus/kafka-security.js";
import type { Bus } from "../bus/types.js";
import { ConfigError, type ConfigIssue } from "../config/load.js";
import { field, type ConfigOf } from "../config/schema.js";
import { createPool, type Pool } from "../db/pool.js";
import { createLogger, type Logger, type LogLevel } from "../log/logger.js";
import { createMetrics, type Metrics } from "../metrics/metrics.js";
import { createLifecycle, type Lifecycle } from "./lifecycle.js";

/**
 * The variables every service process reads besides its own, spread into its config spec
 * (`...serviceProcessFields`) and checked there by {@link serviceProcessIssues}.
 */
export const serviceProcessFields = {
  // A topic created with fewer replicas than the cluster's cannot be raised later without
  // reassigning partitions: match the KafkaTopics'.
  kafkaTopicReplication: field.int({ env: "KAFKA_TOPIC_REPLICATION", min: 1, max: 16, default: 1, description: "replication factor of the topics a service creates when missing (match the cluster's topics)" }),
  ...kafkaSecurityFields,
  // The /metrics series carry tenant ids and share the API's port.
  metricsToken: field.string({ env: "METRICS_TOKEN", default: "", secret: true, description: "bearer token /metrics requires (empty: open, for a scraper inside the NetworkPolicy)" }),
};

/** What is wrong across the {@link serviceProcessFields} of a loaded config (for a loader's `refine`). */
export function serviceProcessIssues(c: ConfigOf<typeof serviceProcessFields>): ConfigIssue[] {
  return kafkaSecurityIssues(c);
}

/** The settings every service process reads from its environment. */
export interface ServiceProcessConfig extends Partial<ConfigOf<typeof serviceProcessFields>> {
  readonly logLevel: LogLevel;
  readonly databaseUrl: string;
  /** Postgres pool size (default 10). */
  readonly dbPoolMax?: number;
  readonly kafkaBrokers: readonly string[];
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

/** Logger, metrics, Postgres pool and Kafka bus of a process, all named `name`, from its config. */
export function createProcessDeps(name: string, config: ServiceProcessConfig): Omit<ServiceProcessDeps<never>, "config"> {
  const logger = createLogger({ service: name, level: config.logLevel });
  const metrics = createMetrics({ service: name, ...(config.metricsToken ? { scrapeToken: config.metricsToken } : {}) });
  const pool = createPool({ url: config.databaseUrl, max: config.dbPoolMax ?? 10, applicationName: name, logger });
  const bus = createKafkaBus({
    brokers: config.kafkaBrokers,
    clientId: name,
    logger,
    metrics,
    ...(config.kafkaTopicReplication ? { topicReplicationFactor: config.kafkaTopicReplication } : {}),
    security: kafkaSecurityOf(config),
  });
  return { logger, metrics, pool, bus };
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
  const { logger, metrics, pool, bus } = createProcessDeps(name, config);
  logger.info({ config }, "config loaded"); // loaded configs redact their secrets when serialized
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
