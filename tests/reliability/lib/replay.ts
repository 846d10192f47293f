/**
 * Idempotent replay: stream one full simulated day, wait until it is stored, stream the same day
 * again (same idempotency keys): every answer is a duplicate, and no row and no topic record is new.
 */
import { createWorld, defaultWorldConfig, streamWorld } from "@rlhf-loop/sim";
import { AckRecorder } from "./acks.js";
import { startDeployment } from "./procs.js";
import { reconcile, storedRows } from "./reconcile.js";
import type { RunEnv, ScenarioRow } from "./scenario.js";
import { sleep } from "./scenario.js";
import { readTopic } from "./topics.js";

export async function runReplay(env: RunEnv, o: { ratePerSec?: number; seed?: number } = {}): Promise<ScenarioRow> {
  const t0 = Date.now();
  const row: ScenarioRow = {
    scenario: "replay a full day", sent: 0, acknowledged: 0, stored: 0, lost: 0, duplicated: 0, recoverySeconds: null,
    dropped: 0, topicLost: 0, topicRedelivered: 0, seconds: 0, notes: [], failures: [],
  };
  const dep = await startDeployment({ endpoints: env.endpoints, logDir: env.logDir, label: "replay", ...(env.keep ? { keep: true } : {}) });
  try {
    const rate = o.ratePerSec ?? 400;
    const topicRecords = async () => (await readTopic(env.endpoints.brokers, dep.topics.interactions)).length + (await readTopic(env.endpoints.brokers, dep.topics.feedback)).length;
    const pass = async () => {
      const recorder = new AckRecorder(dep.intake.url, dep.apiKey);
      const res = await streamWorld(createWorld(defaultWorldConfig(), o.seed ?? 23), { days: 1, ratePerSec: rate, client: recorder.client(), flushTimeoutMs: 90_000 });
      return { recorder, res };
    };
    const first = await pass();
    const rec1 = await reconcile({ acked: first.recorder.acked, pool: dep.pool, schema: dep.schema, tenantId: dep.tenantId, brokers: env.endpoints.brokers, topics: dep.topics });
    if (rec1.lost > 0 || rec1.duplicated > 0) row.failures.push(`first pass: lost ${rec1.lost}, duplicated ${rec1.duplicated}`);
    const topics1 = await topicRecords();
    const second = await pass();
    // Give the persister time to store anything the replay might have published.
    await sleep(5_000);
    const rows2 = await storedRows(dep.pool, dep.schema, dep.tenantId);
    const topics2 = await topicRecords();
    const rec2 = await reconcile({ acked: second.recorder.acked, pool: dep.pool, schema: dep.schema, tenantId: dep.tenantId, brokers: env.endpoints.brokers, topics: dep.topics, waitMs: 10_000 });
    const notDuplicate = [...second.recorder.acked.values()].filter((a) => !a.duplicate).length;
    const newRows = rows2.length - rec1.rows;
    Object.assign(row, {
      sent: second.res.sent,
      acknowledged: rec2.acknowledged,
      stored: rec2.stored,
      lost: rec2.lost,
      duplicated: rec2.duplicated + Math.max(0, newRows),
      dropped: second.res.dropped,
      topicLost: rec2.topicLost,
      topicRedelivered: rec2.topicRedelivered,
    });
    row.notes.push(`day 0: ${first.res.sent} events, ${rec1.rows} rows; replay: ${rec2.acknowledged - notDuplicate} answered duplicate, ${newRows} new rows, ${topics2 - topics1} new topic records`);
    if (notDuplicate > 0) row.failures.push(`${notDuplicate} replayed events were not answered as duplicates`);
    if (newRows !== 0) row.failures.push(`${newRows} new rows after the replay`);
    if (second.res.sent !== first.res.sent) row.failures.push(`the replay sent ${second.res.sent} events, the first pass ${first.res.sent}`);
  } catch (err) {
    row.failures.push((err as Error).message);
  } finally {
    await dep.close().catch(() => undefined);
    row.seconds = (Date.now() - t0) / 1000;
  }
  return row;
}
