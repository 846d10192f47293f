// Starts the ingestion service for the benchmark in its own process, on the bus client named by
// BENCH_BUS (kafkajs | platformatic), so the load generator runs in a second process.
// Prints {"httpUrl","grpcPort"} on stdout once listening; stops cleanly on SIGTERM.
import { createIngestionService } from "@rlhf-loop/ingestion";
import { createKafkaBus, createLogger, createMetrics, createPlatformaticBus, createPool } from "@rlhf-loop/kit";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const brokers = env("KAFKA_BROKERS").split(",");
const logger = createLogger({ service: "ingestion-bench", level: "warn" });
const metrics = createMetrics({ service: "ingestion" });
const pool = createPool({ url: env("DATABASE_URL"), max: 10, applicationName: "ingestion-bench", logger });
const busName = process.env["BENCH_BUS"] ?? "kafkajs";
const bus =
  busName === "platformatic"
    ? createPlatformaticBus({ brokers, clientId: "ingestion-bench", logger, metrics })
    : createKafkaBus({ brokers, clientId: "ingestion-bench", logger, metrics });
const suffix = env("BENCH_SUFFIX");
const service = createIngestionService({
  bus,
  pool,
  logger,
  metrics,
  options: {
    httpPort: 0,
    grpcPort: 0,
    dbSchema: env("BENCH_SCHEMA"),
    topics: { interactions: `bench.interactions.${suffix}`, feedback: `bench.feedback.${suffix}` },
    consumerGroup: `bench-persister-${suffix}`,
    consumeFromBeginning: true,
    // BENCH_PERSIST=false leaves persisting to another process (profiling the intake alone).
    persist: process.env["BENCH_PERSIST"] !== "false",
  },
});
const { httpPort, grpcPort } = await service.start();
process.stdout.write(`${JSON.stringify({ httpUrl: `http://127.0.0.1:${httpPort}`, grpcPort })}\n`);
process.on("SIGTERM", () => {
  void (async () => {
    await service.stop();
    await bus.close();
    await pool.end();
    process.exit(0);
  })();
});
