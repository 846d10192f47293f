// Floor for the ingestion contract "answer 2xx only after the broker acknowledged": a fastify route
// that parses the JSON body, puts the raw bytes on Kafka through a group commit (requests arriving
// while a send is in flight go out together in the next one: the same scheme as ingestion's
// publisher) with an idempotent acks=all kafkajs producer, and answers 202 after the ack. No auth,
// validation, protobuf, idempotency ledger or Postgres. Prints its URL on stdout, exits on SIGTERM.
import Fastify from "fastify";
import { Kafka, logLevel } from "kafkajs";

const brokers = (process.env["KAFKA_BROKERS"] ?? "").split(",").filter(Boolean);
const topic = process.env["BENCH_TOPIC"] ?? "";
if (brokers.length === 0 || !topic) throw new Error("KAFKA_BROKERS and BENCH_TOPIC are required");

const kafka = new Kafka({ clientId: "bench-bare-fastify-kafka", brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

type Waiter = { value: Buffer; done: (err?: unknown) => void };
const queue: Waiter[] = [];
let sending = false;
async function pump(): Promise<void> {
  if (sending || queue.length === 0) return;
  sending = true;
  // Below the broker's 1 MiB record-batch limit, like ingestion's publisher.
  const batch = queue.splice(0, 2000);
  try {
    await producer.send({ topic, acks: -1, messages: batch.map((w, i) => ({ key: String(i % 1000), value: w.value })) });
    for (const w of batch) w.done();
  } catch (err) {
    for (const w of batch) w.done(err);
  } finally {
    sending = false;
    void pump();
  }
}
const publish = (value: Buffer) =>
  new Promise<void>((resolve, reject) => {
    queue.push({ value, done: (err) => (err ? reject(err) : resolve()) });
    queueMicrotask(() => void pump());
  });

const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.removeContentTypeParser("application/json");
app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
app.post("/v1/interactions", async (req, reply) => {
  JSON.parse((req.body as Buffer).toString("utf8"));
  await publish(req.body as Buffer);
  return reply.code(202).send({ ok: true });
});
// A batch: one record per event, each the event's JSON text.
app.post("/v1/events:batch", async (req, reply) => {
  const { events } = JSON.parse((req.body as Buffer).toString("utf8")) as { events: unknown[] };
  await Promise.all(events.map((e) => publish(Buffer.from(JSON.stringify(e)))));
  return reply.code(202).send({ ok: true });
});
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.on("SIGTERM", () => {
  void app.close().then(() => producer.disconnect()).then(() => process.exit(0));
});
