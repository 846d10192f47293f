/**
 * Child process for the redelivery test. Consumes TOPIC as GROUP and stores each record
 * idempotently (insert ... on conflict do nothing), logging every delivery. In MODE=crash it
 * prints "HANDLED <offsets>" after storing its first batch and then hangs before the commit,
 * waiting for the parent's SIGKILL (bounded: exits 3 after 60 s).
 */
import pg from "pg";
import { createLogger } from "../../log/logger.js";
import { createKafkaBus } from "../kafka-bus.js";
import { createPlatformaticBus } from "../platformatic-bus.js";
import type { BusRecord } from "../types.js";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const [brokers, url, topic, group, schema, mode, impl] = ["KAFKA_BROKERS", "DATABASE_URL", "TOPIC", "GROUP", "SCHEMA", "MODE", "IMPL"].map(env) as [
  string, string, string, string, string, string, string,
];
const pool = new pg.Pool({ connectionString: url, max: 2 });
const logger = createLogger({ service: "redelivery-child", level: "silent" });
const opts = { brokers: brokers.split(","), clientId: `redelivery-${process.pid}`, logger, sessionTimeoutMs: 6_000 };
const bus = impl === "platformatic" ? createPlatformaticBus(opts) : createKafkaBus(opts);

async function store(records: readonly BusRecord[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    for (const r of records) {
      const id = `${r.partition}:${r.offset}`;
      await client.query(`insert into "${schema}".deliveries (event_id, pid) values ($1, $2)`, [id, process.pid]);
      await client.query(`insert into "${schema}".events (event_id, payload) values ($1, $2) on conflict (event_id) do nothing`, [
        id,
        Buffer.from(r.value).toString("hex"),
      ]);
    }
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

let crashed = false;
await bus.subscribe({
  groupId: group,
  topics: [topic],
  fromBeginning: true,
  handleBatch: async (records) => {
    await store(records);
    if (mode === "crash" && !crashed) {
      crashed = true;
      process.stdout.write(`HANDLED ${records.map((r) => `${r.partition}:${r.offset}`).join(",")}\n`);
      // Between handling and commit: the parent kills us here.
      await new Promise((r) => setTimeout(r, 60_000));
      process.exit(3);
    }
  },
});
process.stdout.write("SUBSCRIBED\n");
process.on("SIGTERM", () => {
  void bus.close().then(() => pool.end()).then(() => process.exit(0));
});
