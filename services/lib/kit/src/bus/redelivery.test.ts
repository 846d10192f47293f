/**
 * A consumer killed (SIGKILL) between handling a batch and committing it: the next consumer of
 * the group gets the batch again, and the idempotent handler leaves each event stored once.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { OutcomeReportSchema } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { createLogger } from "../log/logger.js";
import { NO_DB, NO_KAFKA, randomSuffix, stackEnv, waitFor } from "../testing/wait.js";
import { createKafkaBus } from "./kafka-bus.js";

const CHILD = fileURLToPath(new URL("./testdata/redelivery-consumer.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const skip = !stackEnv.brokers ? NO_KAFKA : !stackEnv.databaseUrl ? NO_DB : false;

function startChild(env: Record<string, string>): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let buf = "";
  child.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines, exited };
}

for (const impl of ["kafkajs", "platformatic"] as const) {
  describe(`redelivery after a crash between handling and commit (${impl})`, { skip }, () => {
    const pool = new pg.Pool({ connectionString: stackEnv.databaseUrl, max: 2 });
    const schema = `kit_redeliver_${randomSuffix()}`;
    const topic = `test.kit.redeliver.${randomSuffix()}`;
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await pool.end();
      const admin = new Kafka({ clientId: "kit-test-cleanup", brokers: stackEnv.brokers ?? [], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, `${topic}.dlq`], timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    });

    it("redelivers the killed consumer's batch and stores every event exactly once", { timeout: 120_000 }, async () => {
      await pool.query(`create schema "${schema}"`);
      await pool.query(`create table "${schema}".events (event_id text primary key, payload text not null)`);
      await pool.query(`create table "${schema}".deliveries (event_id text not null, pid int not null)`);
      const bus = createKafkaBus({ brokers: stackEnv.brokers ?? [], clientId: "kit-test", logger: createLogger({ service: "t", level: "silent" }) });
      await bus.ensureTopics([topic, `${topic}.dlq`], { partitions: 3 });
      const n = 60;
      await bus.publish(
        topic,
        OutcomeReportSchema,
        Array.from({ length: n }, (_, i) => ({ key: `k${i % 7}`, message: create(OutcomeReportSchema, { interactionId: `k${i % 7}`, idempotencyKey: `e${i}` }) })),
      );
      const group = `g-redeliver-${randomSuffix()}`;
      const env = { TOPIC: topic, GROUP: group, SCHEMA: schema, IMPL: impl, KAFKA_BROKERS: stackEnv.brokers!.join(","), DATABASE_URL: stackEnv.databaseUrl! };

      const first = startChild({ ...env, MODE: "crash" });
      children.push(first.child);
      const handledLine = await waitFor(() => first.lines.find((l) => l.startsWith("HANDLED ")), { timeoutMs: 45_000, what: "first consumer handled a batch" });
      const handled = handledLine.slice("HANDLED ".length).split(",");
      assert.ok(handled.length > 0);
      first.child.kill("SIGKILL");
      await first.exited;
      // Its batch is stored but not committed.
      const stored = await pool.query(`select count(*)::int as n from "${schema}".events`);
      assert.equal(stored.rows[0].n, handled.length);
      const lagAfterKill = await bus.lag(group, [topic]);
      assert.equal(lagAfterKill.reduce((s, p) => s + p.lag, 0), n, "the killed consumer committed nothing");

      const second = startChild({ ...env, MODE: "normal" });
      children.push(second.child);
      await waitFor(async () => (await bus.lag(group, [topic])).every((p) => p.lag === 0), { timeoutMs: 60_000, intervalMs: 250, what: "second consumer committed everything" });
      second.child.kill("SIGTERM");
      assert.equal(await Promise.race([second.exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))]), 0, "clean exit on SIGTERM");

      const events = await pool.query(`select event_id from "${schema}".events order by event_id`);
      assert.equal(events.rowCount, n, "each event stored once");
      const deliveries = await pool.query<{ event_id: string; pids: number }>(
        `select event_id, count(distinct pid)::int as pids from "${schema}".deliveries group by event_id`,
      );
      const redelivered = deliveries.rows.filter((r) => r.pids === 2).map((r) => r.event_id).sort();
      // Exactly the killed consumer's batch came again, to the second consumer.
      assert.deepEqual(redelivered, [...handled].sort());
      await bus.close();
    });
  });
}
