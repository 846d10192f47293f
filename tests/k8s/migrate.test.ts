// The migration Jobs' entry (k8s/migrate/migrate.mjs) as a process on a real Postgres, run the
// way the Job runs it (from the service's folder, schema from the service's variable): it applies
// every migration file once, a second run applies nothing, bad arguments exit 2. And the services
// started with `<SVC>_MIGRATE=false`, as a Deployment whose role has no DDL rights would be.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { freePort } from "@rlhf-loop/kit";
import { startServiceProcess, type StartedService } from "../support/service-process.js";
import { dropTestData } from "../support/teardown.js";
import { repoRoot } from "./support/kustomize.js";
import { SERVICES } from "./support/objects.js";

const SAMPLE = SERVICES.filter((s) => s === "ingestion" || s === "rl-trainer");

const databaseUrl = process.env["DATABASE_URL"];
const skip = databaseUrl ? false : "needs DATABASE_URL (bash infra/stack.sh up; set -a; . .run/stack.env)";
const suffix = randomBytes(4).toString("hex");

/** Runs the entry as the Job does: from the service's folder, the schema named by a variable. */
function migrate(svc: string, env: Record<string, string>, args = ["--dir", "migrations", "--schema-env", "K8S_TEST_SCHEMA"]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "../../k8s/migrate/migrate.mjs", ...args], {
      cwd: path.join(repoRoot, "services", svc),
      env: { ...process.env, LOG_LEVEL: "error", ...env },
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Each service's variables for its schema, its switch, its listening ports and its topics' and groups' names. */
const SERVICE_ENV: Record<(typeof SERVICES)[number], { schema: string; migrate: string; ports: [string, string]; own: (suffix: string) => Record<string, string> }> = {
  ingestion: {
    schema: "INGEST_DB_SCHEMA", migrate: "INGEST_MIGRATE", ports: ["INGEST_HTTP_PORT", "INGEST_GRPC_PORT"],
    own: (x) => ({ INGEST_TOPIC_INTERACTIONS: `test.${x}.interactions`, INGEST_TOPIC_FEEDBACK: `test.${x}.feedback`, INGEST_CONSUMER_GROUP: `test-${x}-ingestion` }),
  },
  labeling: { schema: "LABELING_DB_SCHEMA", migrate: "LABELING_MIGRATE", ports: ["LABELING_HTTP_PORT", "LABELING_GRPC_PORT"], own: () => ({}) },
  reward: { schema: "REWARD_DB_SCHEMA", migrate: "REWARD_MIGRATE", ports: ["REWARD_HTTP_PORT", "REWARD_GRPC_PORT"], own: () => ({}) },
  "rl-trainer": { schema: "RL_DB_SCHEMA", migrate: "RL_MIGRATE", ports: ["PORT", "GRPC_PORT"], own: () => ({}) },
  canary: { schema: "CANARY_DB_SCHEMA", migrate: "CANARY_MIGRATE", ports: ["PORT", "GRPC_PORT"], own: () => ({}) },
};

describe("k8s/migrate/migrate.mjs", { skip }, () => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const schemas: string[] = [];
  after(async () => {
    for (const s of schemas) await pool.query(`drop schema if exists "${s}" cascade`);
    await pool.end();
  });

  // Two services, concurrently (each is a process that loads kit): one with one file, one with
  // several. Every Job runs the same entry; manifests.test.ts checks each Job's folder and variable.
  test("a service's migrations apply once, into the schema its variable names; a second run applies nothing", async () => {
    await Promise.all(
      SAMPLE.map(async (svc) => {
        const schema = `k8s_mig_${svc.replace("-", "_")}_${suffix}`;
        schemas.push(schema);
        const files = readdirSync(path.join(repoRoot, "services", svc, "migrations")).filter((f) => f.endsWith(".sql"));
        const first = await migrate(svc, { K8S_TEST_SCHEMA: schema, DATABASE_URL: databaseUrl! });
        assert.equal(first.status, 0, `${svc}: ${first.stderr}`);
        const rows = await pool.query<{ n: string }>(`select count(*) as n from "${schema}".schema_migrations`);
        assert.equal(Number(rows.rows[0]!.n), files.length, `${svc}: one row per migration file`);
      }),
    );
    const schema = schemas.find((s) => s.includes("rl_trainer"))!;
    const again = await migrate("rl-trainer", { K8S_TEST_SCHEMA: schema, DATABASE_URL: databaseUrl!, LOG_LEVEL: "info" });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /"applied":\[\]/, "nothing left to apply");
  });

  test("exits 2 on a missing schema variable, DATABASE_URL or --dir; 1 when Postgres refuses", async () => {
    const [noSchema, noUrl, noDir, refused] = await Promise.all([
      migrate("canary", { DATABASE_URL: databaseUrl!, K8S_TEST_SCHEMA: "" }),
      migrate("canary", { DATABASE_URL: "", K8S_TEST_SCHEMA: "x" }),
      migrate("canary", { DATABASE_URL: databaseUrl! }, ["--schema-env", "K8S_TEST_SCHEMA"]),
      migrate("canary", { DATABASE_URL: "postgres://nobody:wrong@127.0.0.1:1/none", K8S_TEST_SCHEMA: "k8s_never" }),
    ]);
    assert.equal(noSchema.status, 2, noSchema.stderr);
    assert.match(noSchema.stderr, /K8S_TEST_SCHEMA is not set/);
    assert.equal(noUrl.status, 2, noUrl.stderr);
    assert.equal(noDir.status, 2, noDir.stderr);
    assert.equal(refused.status, 1, refused.stderr);
  });

  test("with <SVC>_MIGRATE=false every service refuses a schema the Job has not migrated, naming what is missing", async () => {
    const kafka = process.env["KAFKA_BROKERS"] ?? "127.0.0.1:1";
    const runs = await Promise.all(
      SERVICES.map(async (svc) => {
        const e = SERVICE_ENV[svc];
        const schema = `k8s_nomig_${svc.replace("-", "_")}_${suffix}`;
        schemas.push(schema);
        const [http, grpc] = [await freePort(), await freePort()];
        const run = startServiceProcess(svc, { DATABASE_URL: databaseUrl!, KAFKA_BROKERS: kafka, [e.schema]: schema, [e.migrate]: "false", [e.ports[0]]: String(http), [e.ports[1]]: String(grpc), ...e.own(suffix) });
        return { svc, schema, code: await run.exited, output: run.output() };
      }),
    );
    for (const r of runs) {
      assert.equal(r.code, 1, `${r.svc}: ${r.output.slice(-600)}`);
      assert.match(r.output, new RegExp(`schema ${r.schema} lacks migration\\(s\\) 001_\\w+\\.sql`), r.svc);
      const made = await pool.query("select 1 from information_schema.schemata where schema_name = $1", [r.schema]);
      assert.equal(made.rowCount, 0, `${r.svc} created nothing`);
    }
  });

  test("after the Job, a service with INGEST_MIGRATE=false serves with a role that may only read and write rows", async () => {
    const schema = `k8s_dml_${suffix}`;
    const role = `k8s_dml_${suffix}`;
    schemas.push(schema);
    const job = await migrate("ingestion", { K8S_TEST_SCHEMA: schema, DATABASE_URL: databaseUrl! });
    assert.equal(job.status, 0, job.stderr);
    await pool.query(`create role ${role} login password 'dml-only'`);
    const admin = new Kafka({ clientId: `k8s-dml-${suffix}`, brokers: (process.env["KAFKA_BROKERS"] ?? "").split(","), logLevel: logLevel.NOTHING }).admin();
    let run: StartedService | undefined;
    try {
      await pool.query(`grant usage on schema ${schema} to ${role}`);
      await pool.query(`grant select, insert, update, delete on all tables in schema ${schema} to ${role}`);
      await pool.query(`grant usage, select on all sequences in schema ${schema} to ${role}`);
      const url = new URL(databaseUrl!);
      url.username = role;
      url.password = "dml-only";
      const [http, grpc] = [await freePort(), await freePort()];
      const e = SERVICE_ENV.ingestion;
      run = startServiceProcess("ingestion", { DATABASE_URL: url.toString(), KAFKA_BROKERS: process.env["KAFKA_BROKERS"] ?? "", [e.schema]: schema, [e.migrate]: "false", [e.ports[0]]: String(http), [e.ports[1]]: String(grpc), ...e.own(suffix) });
      assert.ok(await run.waitReady(http), `ingestion never became ready: ${run.output().slice(-800)}`);
      run.child.kill("SIGTERM");
      assert.equal(await run.exited, 0, run.output().slice(-600));
    } finally {
      run?.kill();
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.query(`drop role if exists ${role}`);
      await admin.connect().catch(() => undefined);
      await dropTestData({ admin, topicPrefix: `test.${suffix}.` });
    }
  });
});
