/**
 * The real ingestion service for the client's acceptance tests, on the shared Kafka + Postgres
 * stack (`bash infra/stack.sh up`; KAFKA_BROKERS / DATABASE_URL from the env or .run/stack.env).
 * Each start gets its own Postgres schema, topics and consumer group, and removes them on close.
 * Two ways to run it: in this process (createIngestionService), or as the production entry
 * (services/ingestion/src/main.ts) in a child process that can be SIGKILLed and restarted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createApiKey, createIngestionService, createTenant, migrateIngestion } from "@rlhf-loop/ingestion";
import { createKafkaBus, createLogger, createMetrics, createPool, freePort, type Bus, type Pool } from "@rlhf-loop/kit";
import { Kafka, logLevel } from "kafkajs";
import { stackEnv as sharedStackEnv } from "../support/stack-env.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function stackEnv(): { brokers: string; databaseUrl: string } {
  const env = sharedStackEnv();
  return { brokers: env.brokers.join(","), databaseUrl: env.databaseUrl };
}

export interface StoredCounts {
  interactions: number;
  feedback: number;
  parked: number;
  /** Rows in all three tables together. */
  rows: number;
  /** Distinct idempotency keys over all three tables. */
  keys: number;
}

export interface Ingestion {
  url: string;
  /** host:port of the gRPC listener, when known (in-process starts). */
  grpcAddress?: string;
  apiKey: string;
  tenantId: string;
  schema: string;
  pool: Pool;
  /** Row counts of this tenant's stored events. */
  counts(): Promise<StoredCounts>;
  /** Every stored idempotency key of this tenant. */
  storedKeys(): Promise<Set<string>>;
  /** Polls until `check` holds or `timeoutMs` passes; returns the last counts. */
  waitFor(check: (c: StoredCounts) => boolean, timeoutMs?: number): Promise<StoredCounts>;
  close(): Promise<void>;
}

export interface ChildIngestion extends Ingestion {
  /** SIGKILL: no graceful drain, like a crashed pod. */
  kill(): Promise<void>;
  /** Starts the process again on the same port, schema, topics and group. */
  restart(): Promise<void>;
}

export interface IngestionStartOptions {
  /** This tenant's limit (events/s sustained and burst); service default 10,000 / 20,000. */
  ratePerSec?: number;
  burst?: number;
}

function names() {
  const suffix = randomBytes(4).toString("hex");
  return {
    suffix,
    schema: `client_t_${suffix}`,
    topics: { interactions: `test.client-${suffix}.interactions`, feedback: `test.client-${suffix}.feedback` },
    group: `client-test-${suffix}`,
    tenantId: `client-${suffix}`,
  };
}

function queries(pool: Pool, schema: string, tenantId: string) {
  const counts = async (): Promise<StoredCounts> => {
    const r = await pool.query<{ t: string; n: string; k: string }>(
      `select 'interactions' as t, count(*) as n, count(distinct idempotency_key) as k from "${schema}".interactions where tenant_id = $1
       union all select 'feedback', count(*), count(distinct idempotency_key) from "${schema}".feedback where tenant_id = $1
       union all select 'parked', count(*), count(distinct idempotency_key) from "${schema}".parked_feedback where tenant_id = $1
       union all select 'all', 0, count(distinct k) from (
         select idempotency_key k from "${schema}".interactions where tenant_id = $1
         union all select idempotency_key from "${schema}".feedback where tenant_id = $1
         union all select idempotency_key from "${schema}".parked_feedback where tenant_id = $1) u`,
      [tenantId],
    );
    const get = (t: string) => r.rows.find((x) => x.t === t)!;
    const interactions = Number(get("interactions").n);
    const feedback = Number(get("feedback").n);
    const parked = Number(get("parked").n);
    return { interactions, feedback, parked, rows: interactions + feedback + parked, keys: Number(get("all").k) };
  };
  const storedKeys = async () => {
    const r = await pool.query<{ k: string }>(
      `select idempotency_key k from "${schema}".interactions where tenant_id = $1
       union all select idempotency_key from "${schema}".feedback where tenant_id = $1
       union all select idempotency_key from "${schema}".parked_feedback where tenant_id = $1`,
      [tenantId],
    );
    return new Set(r.rows.map((x) => x.k));
  };
  const waitFor = async (check: (c: StoredCounts) => boolean, timeoutMs = 60_000) => {
    const end = Date.now() + timeoutMs;
    let c = await counts();
    while (!check(c) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      c = await counts();
    }
    return c;
  };
  return { counts, storedKeys, waitFor };
}

async function dropTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: `${prefix}cleanup`, brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function createTenantKey(pool: Pool, schema: string, tenantId: string, o: IngestionStartOptions): Promise<string> {
  await createTenant(pool, {
    schema,
    tenantId,
    name: "client acceptance",
    ...(o.ratePerSec !== undefined ? { ratePerSec: o.ratePerSec } : {}),
    ...(o.burst !== undefined ? { burst: o.burst } : {}),
  });
  return (await createApiKey(pool, { schema, tenantId })).apiKey;
}

/** Ingestion built in this process with createIngestionService (port 0). */
export async function startIngestion(o: IngestionStartOptions = {}): Promise<Ingestion> {
  const env = stackEnv();
  const n = names();
  const logger = createLogger({ service: "client-acceptance", level: (process.env["LOG_LEVEL"] as "info" | undefined) ?? "silent" });
  const metrics = createMetrics({ service: "client-acceptance", defaultMetrics: false });
  const pool = createPool({ url: env.databaseUrl, max: 8, applicationName: "client-acceptance", logger });
  const bus: Bus = createKafkaBus({ brokers: env.brokers.split(","), clientId: n.group, logger, metrics });
  const service = createIngestionService({
    bus,
    pool,
    logger,
    metrics,
    options: {
      httpPort: 0,
      grpcPort: 0,
      dbSchema: n.schema,
      topics: n.topics,
      consumerGroup: n.group,
      consumeFromBeginning: true,
      shutdownGraceMs: 2_000,
    },
  });
  const close = async () => {
    await service.stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await pool.query(`drop schema if exists "${n.schema}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
    await dropTopics(env.brokers, `test.client-${n.suffix}.`);
  };
  try {
    const { httpPort, grpcPort } = await service.start();
    const apiKey = await createTenantKey(pool, n.schema, n.tenantId, o);
    return { url: `http://127.0.0.1:${httpPort}`, grpcAddress: `127.0.0.1:${grpcPort}`, apiKey, tenantId: n.tenantId, schema: n.schema, pool, ...queries(pool, n.schema, n.tenantId), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Ingestion as its production process (services/ingestion/src/main.ts), killable and restartable. */
export async function startIngestionProcess(o: IngestionStartOptions = {}): Promise<ChildIngestion> {
  const env = stackEnv();
  const n = names();
  const port = await freePort();
  const pool = createPool({ url: env.databaseUrl, max: 4, applicationName: "client-acceptance" });
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: env.databaseUrl,
    KAFKA_BROKERS: env.brokers,
    LOG_LEVEL: process.env["LOG_LEVEL"] ?? "warn",
    INGEST_HTTP_PORT: String(port),
    INGEST_GRPC_PORT: "0",
    INGEST_DB_SCHEMA: n.schema,
    INGEST_TOPIC_INTERACTIONS: n.topics.interactions,
    INGEST_TOPIC_FEEDBACK: n.topics.feedback,
    INGEST_CONSUMER_GROUP: n.group,
    INGEST_SHUTDOWN_GRACE: "2s",
  };
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;

  const start = async () => {
    const c = spawn(process.execPath, ["--import", "tsx", "services/ingestion/src/main.ts"], {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "ignore", "inherit"],
    });
    child = c;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`ingestion exited with ${c.exitCode} during start`);
      try {
        const r = await fetch(`${url}/readyz`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error("ingestion did not become ready in 60 s");
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  const close = async () => {
    await kill();
    await pool.query(`drop schema if exists "${n.schema}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
    await dropTopics(env.brokers, `test.client-${n.suffix}.`);
  };
  try {
    // The tenant must exist before traffic; the first start runs the migrations that create its table.
    await migrateIngestion(pool, { schema: n.schema });
    const apiKey = await createTenantKey(pool, n.schema, n.tenantId, o);
    await start();
    return {
      url,
      apiKey,
      tenantId: n.tenantId,
      schema: n.schema,
      pool,
      ...queries(pool, n.schema, n.tenantId),
      kill,
      restart: start,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * An ingestion the lead already runs: INGESTION_URL and INGESTION_API_KEY (plus DATABASE_URL and
 * INGESTION_DB_SCHEMA, default "ingestion", to look rows up). Undefined when not configured.
 */
export function externalIngestion(): Ingestion | undefined {
  const url = process.env["INGESTION_URL"];
  const apiKey = process.env["INGESTION_API_KEY"];
  if (!url || !apiKey) return undefined;
  const tenantId = /^rlhf_([a-z0-9][a-z0-9-]*)_/.exec(apiKey)?.[1];
  if (!tenantId) throw new Error("INGESTION_API_KEY does not look like rlhf_<tenant>_<secret>");
  const schema = process.env["INGESTION_DB_SCHEMA"] ?? "ingestion";
  const pool = createPool({ url: stackEnv().databaseUrl, max: 2, applicationName: "client-acceptance" });
  return { url, apiKey, tenantId, schema, pool, ...queries(pool, schema, tenantId), close: async () => void (await pool.end()) };
}
