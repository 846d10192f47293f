/**
 * The reliability machinery in CI (the full suite is `make reliability`): ingestion as its own
 * processes on the shared stack (own schema, topics, group), the simulated product streaming
 * through the SDK, the persister SIGKILLed during an insert and restarted; every acknowledged
 * event is then in Postgres and on the topics exactly once. Only its own processes are touched.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { persisterSigkill } from "../reliability/lib/faults.js";
import { runScenario } from "../reliability/lib/scenario.js";
import { ROOT } from "../reliability/lib/stack.js";
import { stackEnv } from "../support/stack-env.js";

void test("persister SIGKILLed mid-batch and restarted: nothing lost, nothing twice", { timeout: 150_000 }, async () => {
  const env = stackEnv();
  const row = await runScenario(
    { ...persisterSigkill, ratePerSec: 100, streamSeconds: 12, faultAfterSeconds: 4 },
    { endpoints: { brokers: env.brokers.join(","), databaseUrl: env.databaseUrl }, logDir: `${ROOT}.run/test-output/reliability-smoke`, timeoutMs: 120_000 },
  );
  assert.deepEqual(row.failures, [], row.notes.join("; "));
  assert.equal(row.sent, 1200);
  assert.equal(row.acknowledged, row.sent, "the client got a 2xx for every event");
  assert.equal(row.lost, 0, row.notes.join("; "));
  assert.equal(row.duplicated, 0);
  assert.equal(row.topicLost, 0);
  assert.equal(row.stored, row.acknowledged);
  assert.match(row.notes.join("; "), /during an insert, restarted as \d+/);
  // The kill really interrupted persistence: some events waited for the restarted persister.
  assert.ok(row.recoverySeconds !== null && row.recoverySeconds > 0, `recovery ${row.recoverySeconds}`);
});
