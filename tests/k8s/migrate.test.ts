// The migration Jobs' entry (k8s/migrate/migrate.mjs) as a process on a real Postgres, run the
// way the Job runs it (from the service's folder, schema from the service's variable): it applies
// every migration file once, a second run applies nothing, bad arguments exit 2.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
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
});
