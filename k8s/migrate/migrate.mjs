// Applies one service's SQL migrations and exits: the entry of the migration Jobs in
// k8s/base/<service>/migrate-job.yaml. It runs kit's runMigrations, the same code every service
// runs at start (advisory lock per schema, checksums), so a Job and a starting pod never race.
//   node --import tsx k8s/migrate/migrate.mjs --dir <migrations folder> --schema-env <VARIABLE>
//   [--default-schema <name>]
// The schema is read from the service's own variable (e.g. INGEST_DB_SCHEMA), so the Job and
// the Deployment share one ConfigMap; DATABASE_URL comes from the service's Secret.
// Exit codes: 0 applied (or nothing to do), 1 failed, 2 bad arguments or environment.
import { parseArgs } from "node:util";
import path from "node:path";

function usage(message) {
  process.stderr.write(`migrate: ${message}\nusage: migrate.mjs --dir <folder> --schema-env <VARIABLE> [--default-schema <name>]\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { dir: { type: "string" }, "schema-env": { type: "string" }, "default-schema": { type: "string" } },
    strict: true,
  }));
} catch (err) {
  usage(err instanceof Error ? err.message : String(err));
}
if (!values.dir) usage("--dir is required");
if (!values["schema-env"]) usage("--schema-env is required");
const schema = process.env[values["schema-env"]] || values["default-schema"];
if (!schema) usage(`${values["schema-env"]} is not set and no --default-schema was given`);
const url = process.env.DATABASE_URL;
if (!url) usage("DATABASE_URL is not set");

// Loaded after the arguments are checked: a usage error answers at once.
const { createLogger, createPool, runMigrations } = await import("@rlhf-loop/kit");
const logger = createLogger({ service: "migrate", level: process.env.LOG_LEVEL || "info" });
const pool = createPool({ url, max: 1, applicationName: `migrate-${schema}`, logger });
let code = 0;
try {
  const dir = path.resolve(values.dir);
  const result = await runMigrations(pool, { schema, dir, logger });
  logger.info({ schema, dir, applied: result.applied, skipped: result.skipped.length }, "migrations done");
} catch (err) {
  logger.error({ err, schema }, "migrations failed");
  code = 1;
} finally {
  await pool.end().catch(() => undefined);
}
process.exit(code);
