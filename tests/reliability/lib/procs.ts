/**
 * Ingestion as production processes (services/ingestion/src/main.ts): one intake (HTTP, no
 * persister) and one or more persisters (the consuming side), each its own pid, so a fault can
 * hit exactly one of them. Each deployment has its own schema, topics, consumer group and tenant.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { createApiKey, createTenant, migrateIngestion } from "@rlhf-loop/ingestion";
import { createPool, freePort, type Pool } from "@rlhf-loop/kit";
import { Kafka, logLevel } from "kafkajs";
import { ROOT, type StackEndpoints } from "./stack.js";

export { freePort };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One service process (`entry` run through tsx, its HTTP port in `portEnv`): started, signalled,
 * restarted, always by its own pid. Ready when `/readyz` on that port answers 200.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;
  /** Exit codes of the finished runs, in order (null: killed by a signal). */
  readonly exits: (number | null)[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    private readonly entry: string,
    private readonly portEnv: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Spawns the process and waits (bounded) until /readyz answers 200. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.pid !== undefined) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const fd = openSync(this.logFile, "a");
    let c: ChildProcess;
    try {
      const env = { ...this.env, [this.portEnv]: String(this.port) };
      c = spawn(process.execPath, ["--import", "tsx", this.entry], { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = c;
    this.exit = new Promise((resolve) => c.once("exit", (code) => {
      this.exits.push(code);
      resolve(code);
    }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`${this.name} exited (${c.exitCode ?? c.signalCode}) during start; log ${this.logFile}`);
      try {
        const r = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not ready in ${timeoutMs} ms; log ${this.logFile}`);
      await sleep(200);
    }
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running`);
    process.kill(pid, sig);
  }

  /** Waits for the current run to exit; undefined when it did not within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<number | null | undefined> {
    if (!this.exit) return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)));
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL (a crashed pod) and wait for the exit. */
  async kill(): Promise<void> {
    if (this.pid === undefined) return;
    // SIGKILL ends a stopped (SIGSTOP) process too.
    this.signal("SIGKILL");
    await this.waitExit(10_000);
  }

  /** SIGTERM (graceful), bounded; SIGKILL when it overruns. Returns the exit code. */
  async stop(timeoutMs = 20_000): Promise<number | null | undefined> {
    if (this.pid === undefined) return this.exits.at(-1);
    try {
      process.kill(this.pid!, "SIGCONT");
    } catch {
      // already gone
    }
    this.signal("SIGTERM");
    const code = await this.waitExit(timeoutMs);
    if (code === undefined) await this.kill();
    return code;
  }

  /** Resident memory in bytes from /proc/<pid>/status (VmRSS). */
  rssBytes(): number | undefined {
    const pid = this.pid;
    if (pid === undefined) return undefined;
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readProc(`/proc/${pid}/status`));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Bytes in the log file so far (a mark for `waitForLog`). */
  logSize(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  /** Polls the log (from byte `from`) until a line matches `pattern`; false when `timeoutMs` passes first. */
  async waitForLog(pattern: RegExp, from: number, timeoutMs: number, pollMs = 20): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (pattern.test(readFileSync(this.logFile, "utf8").slice(from))) return true;
      } catch {
        // not written yet
      }
      if (Date.now() > deadline) return false;
      await sleep(pollMs);
    }
  }

  async metrics(): Promise<string> {
    const r = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return r.text();
  }
}

/** One ingestion process (intake or persister). */
export class IngestionProcess extends ServiceProcess {
  constructor(name: string, port: number, env: NodeJS.ProcessEnv, logFile: string) {
    super(name, port, env, logFile, "services/ingestion/src/main.ts", "INGEST_HTTP_PORT");
  }
}

function readProc(path: string): string {
  return readFileSync(path, "utf8");
}

export interface DeploymentOptions {
  endpoints: StackEndpoints;
  /** Where process logs go. */
  logDir: string;
  /** Persisting processes in the group (2 for the rebalance scenario). */
  persisters?: number;
  label: string;
  /** Keep schema and topics at close (the isolated stack is thrown away anyway). */
  keep?: boolean;
  /** Extra ingestion settings for every process. */
  env?: Record<string, string>;
}

export interface Deployment {
  suffix: string;
  schema: string;
  topics: { interactions: string; feedback: string };
  group: string;
  tenantId: string;
  apiKey: string;
  intake: IngestionProcess;
  persisters: IngestionProcess[];
  /** The runner's own pool (reconciliation); errors while Postgres restarts are the caller's. */
  pool: Pool;
  close(): Promise<void>;
}

/** Migrates a fresh schema, creates the tenant and key, starts intake and persister(s). */
export async function startDeployment(o: DeploymentOptions): Promise<Deployment> {
  const suffix = randomBytes(4).toString("hex");
  const schema = `rel_${o.label.replace(/[^a-z0-9]/g, "_")}_${suffix}`;
  const topics = { interactions: `rel.${suffix}.interactions`, feedback: `rel.${suffix}.feedback` };
  const group = `rel-${suffix}`;
  const tenantId = `rel-${suffix}`;
  mkdirSync(o.logDir, { recursive: true });
  const pool = createPool({ url: o.endpoints.databaseUrl, max: 4, applicationName: "reliability-runner" });
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: o.endpoints.databaseUrl,
    KAFKA_BROKERS: o.endpoints.brokers,
    LOG_LEVEL: process.env["RELIABILITY_LOG_LEVEL"] ?? "warn",
    INGEST_GRPC_PORT: "0",
    INGEST_DB_SCHEMA: schema,
    INGEST_DB_POOL_MAX: "4",
    INGEST_TOPIC_INTERACTIONS: topics.interactions,
    INGEST_TOPIC_FEEDBACK: topics.feedback,
    INGEST_CONSUMER_GROUP: group,
    INGEST_SHUTDOWN_GRACE: "5s",
    INGEST_PARK_SWEEP_INTERVAL: "2s",
    ...o.env,
  };
  const procs: IngestionProcess[] = [];
  const close = async () => {
    // Every process by its own pid, even when start failed halfway.
    for (const p of procs) await p.stop(15_000).catch(() => undefined);
    if (!o.keep) {
      await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await dropTopics(o.endpoints.brokers, `rel.${suffix}.`);
    }
    await pool.end().catch(() => undefined);
  };
  try {
    await migrateIngestion(pool, { schema });
    await createTenant(pool, { schema, tenantId, name: "reliability" });
    const { apiKey } = await createApiKey(pool, { schema, tenantId });
    const intake = new IngestionProcess("intake", await freePort(), { ...base, INGEST_PERSIST: "false" }, `${o.logDir}/${o.label}-intake.log`);
    procs.push(intake);
    await intake.start();
    const persisters: IngestionProcess[] = [];
    for (let i = 0; i < (o.persisters ?? 1); i++) {
      const p = new IngestionProcess(`persister-${i}`, await freePort(), { ...base, INGEST_PERSIST: "true" }, `${o.logDir}/${o.label}-persister-${i}.log`);
      procs.push(p);
      persisters.push(p);
      await p.start();
    }
    return { suffix, schema, topics, group, tenantId, apiKey, intake, persisters, pool, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function dropTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: "reliability-cleanup", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
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
