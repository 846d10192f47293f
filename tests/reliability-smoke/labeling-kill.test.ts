/**
 * The later consumers' reliability machinery in CI, on its cheapest stage (the full chain is
 * `make reliability`): ingestion and labeling as their own processes on the shared stack (own
 * schemas, topics, groups), the simulated product streaming through the SDK, labeling SIGKILLed
 * while one of its batch transactions inserts and restarted; afterwards labeling holds every
 * record of its input topics once and exactly the pairs the pure labeling rules make from them,
 * every pair on the pairs topic. Only its own processes are touched.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runConsumerScenarios } from "../reliability/lib/consumers.js";
import { ROOT } from "../reliability/lib/stack.js";
import { stackEnv } from "../support/stack-env.js";

void test("labeling SIGKILLed mid-batch and restarted: every input stored once, exactly the pairs of the pure rules", { timeout: 150_000 }, async () => {
  const env = stackEnv();
  const [row] = await runConsumerScenarios(
    { endpoints: { brokers: env.brokers.join(","), databaseUrl: env.databaseUrl }, logDir: `${ROOT}.run/test-output/reliability-smoke`, timeoutMs: 120_000 },
    { stages: ["labeling"], ratePerSec: 100, streamSeconds: 12, faultAfterSeconds: 3 },
  );
  assert.ok(row);
  const notes = row.notes.join("; ");
  assert.deepEqual(row.failures, [], notes);
  assert.equal(row.sent, 1200);
  assert.equal(row.acknowledged, row.sent, "ingestion acknowledged every event");
  assert.equal(row.stored, row.acknowledged, `labeling stored every input record: ${notes}`);
  assert.equal(row.lost, 0, notes);
  assert.equal(row.duplicated, 0, notes);
  assert.equal(row.topicLost, 0, "every stored pair is on the pairs topic");
  assert.match(notes, /during a batch insert/);
  // The pure rules made pairs, and labeling holds exactly those.
  const m = /pairs (\d+) stored \/ (\d+) by the pure rules/.exec(notes);
  assert.ok(m && Number(m[2]) > 0 && m[1] === m[2], notes);
  // The kill really interrupted consumption: records waited for the restarted process.
  assert.ok(row.recoverySeconds !== null && row.recoverySeconds > 0, `recovery ${row.recoverySeconds}`);
});
