/**
 * One fault scenario: a fresh ingestion deployment (intake + persister processes), the simulated
 * product streaming at a steady rate through the SDK, a fault applied mid-stream, then
 * reconciliation of every acknowledged event and the recovery time.
 */
import { defaultWorldConfig, createWorld, streamWorld, type StreamResult } from "@rlhf-loop/sim";
import { AckRecorder } from "./acks.js";
import { startDeployment, type Deployment } from "./procs.js";
import { reconcile, recoverySeconds } from "./reconcile.js";
import type { StackEndpoints } from "./stack.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ScenarioRow {
  scenario: string;
  sent: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicated: number;
  recoverySeconds: number | null;
  /** Sent events the client gave up on (never acknowledged; not counted as lost). */
  dropped: number;
  topicLost: number;
  topicRedelivered: number;
  seconds: number;
  notes: string[];
  /** Anything that makes the scenario fail besides lost/duplicated (a bad exit code, a DLQ mismatch). */
  failures: string[];
}

export interface FaultOutcome {
  /** ms since epoch when the fault hit. */
  faultAt: number;
  notes?: string[];
  failures?: string[];
  /** Runs after reconciliation (DLQ contents and the like). */
  after?: () => Promise<{ notes?: string[]; failures?: string[] }>;
}

export interface ScenarioSpec {
  name: string;
  persisters?: number;
  ratePerSec?: number;
  streamSeconds?: number;
  faultAfterSeconds?: number;
  seed?: number;
  fault(dep: Deployment): Promise<FaultOutcome>;
}

export interface RunEnv {
  endpoints: StackEndpoints;
  logDir: string;
  keep?: boolean;
  log?: (line: string) => void;
  /** Hard bound on the whole scenario (ms). */
  timeoutMs?: number;
}

export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} exceeded ${Math.round(ms / 1000)} s`)), ms))),
  ]);
}

export async function runScenario(spec: ScenarioSpec, env: RunEnv): Promise<ScenarioRow> {
  const t0 = Date.now();
  const log = env.log ?? (() => undefined);
  const rate = spec.ratePerSec ?? 150;
  const streamSeconds = spec.streamSeconds ?? 30;
  const row: ScenarioRow = {
    scenario: spec.name, sent: 0, acknowledged: 0, stored: 0, lost: 0, duplicated: 0, recoverySeconds: null,
    dropped: 0, topicLost: 0, topicRedelivered: 0, seconds: 0, notes: [], failures: [],
  };
  let dep: Deployment | undefined;
  try {
    await bounded(
      (async () => {
        dep = await startDeployment({ endpoints: env.endpoints, logDir: env.logDir, label: spec.name, persisters: spec.persisters ?? 1, ...(env.keep ? { keep: true } : {}) });
        const d = dep;
        log(`${spec.name}: intake pid ${d.intake.pid}, persister pid(s) ${d.persisters.map((p) => p.pid).join(",")}`);
        const recorder = new AckRecorder(d.intake.url, d.apiKey);
        const handedAt = new Map<string, number>();
        const world = createWorld(defaultWorldConfig(), spec.seed ?? 11);
        // maxEvents (not maxDuration) bounds the stream, so the final flush gets its full minute.
        const streaming: Promise<StreamResult> = streamWorld(world, {
          days: 30,
          ratePerSec: rate,
          client: recorder.client(),
          maxEvents: Math.round(rate * streamSeconds),
          maxBuffered: 50_000,
          flushTimeoutMs: 90_000,
          onEvent: (e) => void handedAt.set(e.idempotencyKey, Date.now()),
        });
        await sleep((spec.faultAfterSeconds ?? 8) * 1000);
        let fault: FaultOutcome | undefined;
        try {
          fault = await spec.fault(d);
          log(`${spec.name}: fault applied at +${((fault.faultAt - t0) / 1000).toFixed(1)} s`);
        } catch (err) {
          row.failures.push(`fault: ${(err as Error).message}`);
        }
        const res = await streaming;
        row.sent = res.sent;
        row.dropped = res.dropped;
        if (res.errors.length > 0) row.notes.push(`client: ${res.errors[0]}`);
        if (recorder.conflictingIds > 0) row.failures.push(`${recorder.conflictingIds} keys answered with two event ids`);
        // Every process must be up for the persister to finish (a fault that left one down is a failure above).
        const rec = await reconcile({ acked: recorder.acked, pool: d.pool, schema: d.schema, tenantId: d.tenantId, brokers: env.endpoints.brokers, topics: d.topics, waitMs: 90_000 });
        Object.assign(row, {
          acknowledged: rec.acknowledged, stored: rec.stored, lost: rec.lost, duplicated: rec.duplicated,
          topicLost: rec.topicLost, topicRedelivered: rec.topicRedelivered,
        });
        if (rec.lost > 0) {
          const where = rec.topicLost < rec.lost ? `${rec.lost - rec.topicLost} of them are on the topics (not persisted)` : "";
          row.notes.push(`lost e.g. ${rec.lostSample.join(", ")}${where ? `; ${where}` : ""}`);
        }
        if (rec.parked > 0) row.notes.push(`${rec.parked} feedback still parked`);
        if (fault) {
          const r = recoverySeconds(fault.faultAt, handedAt, rec.rowsList);
          // Events never stored: the pipeline did not recover within the wait.
          row.recoverySeconds = rec.lost > 0 ? null : r.seconds;
          row.notes.push(`${r.delayed} events delayed > ${(r.thresholdMs / 1000).toFixed(1)} s`);
          row.notes.push(...(fault.notes ?? []));
          row.failures.push(...(fault.failures ?? []));
          if (fault.after) {
            const a = await fault.after();
            row.notes.push(...(a.notes ?? []));
            row.failures.push(...(a.failures ?? []));
          }
        }
        row.notes.push(`p99 request ${recorder.latencyQuantile(0.99).toFixed(0)} ms`);
      })(),
      env.timeoutMs ?? 300_000,
      spec.name,
    );
  } catch (err) {
    row.failures.push((err as Error).message);
  } finally {
    await dep?.close().catch((err: unknown) => row.failures.push(`close: ${(err as Error).message}`));
    row.seconds = (Date.now() - t0) / 1000;
  }
  return row;
}

/** Polls pg_stat_activity until the deployment's persister runs an insert (mid-batch), bounded. */
export async function waitForPersisterInsert(dep: Deployment, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await dep.pool.query<{ n: number }>(
      `select count(*)::int n from pg_stat_activity
        where state = 'active' and query ilike '%insert into%' and query not ilike '%accepted_events%' and position($1 in query) > 0`,
      [`"${dep.schema}"`],
    );
    if ((r.rows[0]?.n ?? 0) > 0) return true;
    await sleep(5);
  }
  return false;
}
