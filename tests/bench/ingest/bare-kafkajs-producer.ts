// Ceiling for the Kafka path: a bare kafkajs producer (idempotent, acks from all in-sync replicas)
// sending the same record sizes in batches, with no HTTP in front. Prints one JSON line of results.
import { Kafka, logLevel } from "kafkajs";

const brokers = (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:19092").split(",");
const topic = process.env["BENCH_TOPIC"] ?? "";
const total = Number(process.env["BENCH_RECORDS"] ?? "100000");
const batchSize = Number(process.env["BENCH_BATCH"] ?? "500");
const recordBytes = Number(process.env["BENCH_RECORD_BYTES"] ?? "300");
const concurrency = Number(process.env["BENCH_CONCURRENCY"] ?? "4");
if (!topic) throw new Error("BENCH_TOPIC is required");

const kafka = new Kafka({ clientId: "bench-bare", brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const value = Buffer.alloc(recordBytes, 7);
let sent = 0;
const start = process.hrtime.bigint();
async function worker(): Promise<void> {
  while (sent < total) {
    const n = Math.min(batchSize, total - sent);
    sent += n;
    const messages = Array.from({ length: n }, (_, i) => ({ key: `k${(sent + i) % 1000}`, value }));
    await producer.send({ topic, acks: -1, messages });
  }
}
await Promise.all(Array.from({ length: concurrency }, () => worker()));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
await producer.disconnect();
process.stdout.write(`${JSON.stringify({ records: total, seconds, recordsPerSecond: total / seconds })}\n`);
