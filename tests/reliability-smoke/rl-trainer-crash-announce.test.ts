/**
 * Found by the reliability suite's reading of the RL trainer under SIGKILL: a checkpoint is stored,
 * then announced on rlhf.policies.v1, then named in the run row. A crash between the first two
 * left the checkpoint stored and never announced; when it was the final one, the resumed run saw
 * it stored, did not announce it, and the canary never heard of the run's policy.
 * This test leaves exactly that state (a finished run rewound to "final checkpoint stored, run
 * row still naming the one before, status running") and starts a fresh service on it: the final
 * checkpoint must be announced once, and the run completed.
 * Real Postgres (the shared stack, own schema), an in-process bus, a tiny run.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RlTrainerService } from "@rlhf-loop/rl-trainer";
import { eventually, rlCrashHarness, skipWithoutStack } from "./rl-crash-harness.js";

void test("a final checkpoint stored but not announced before a crash is announced once when the run resumes", { skip: skipWithoutStack, timeout: 120_000 }, async () => {
  const h = rlCrashHarness("crash_t");
  const { schema, pool, announced } = h;
  const brief = () => announced.map(({ version, final, parent }) => ({ version, final, parent }));
  let svc: RlTrainerService | undefined;
  try {
    svc = await h.start();
    const config = { steps: 4, promptsPerStep: 4, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 5 };
    await h.requestRun("run-c", config);
    const done = await h.finished(svc, "run-c", "run completed");
    assert.equal(done.status, "completed", done.error);
    await eventually("two announcements", async () => (announced.length >= 2 ? true : undefined));
    assert.deepEqual(brief(), [{ version: "run-c@2", final: false, parent: "" }, { version: "run-c@4", final: true, parent: "run-c@2" }]);
    await svc.stop();

    // What a SIGKILL between storing the final checkpoint and announcing it leaves behind.
    await pool.query(`update "${schema}".runs set status = 'running', policy_version = 'run-c@2', steps_done = 2 where run_id = 'run-c'`);
    announced.length = 0;
    svc = h.build();
    await svc.start();
    const resumed = await h.finished(svc, "run-c", "resumed run completed");
    assert.equal(resumed.status, "completed", resumed.error);
    assert.equal(resumed.policyVersion, "run-c@4");
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(brief(), [{ version: "run-c@4", final: true, parent: "run-c@2" }], "the stored final checkpoint is announced once");
    const finals = await pool.query<{ n: number }>(`select count(*)::int n from "${schema}".checkpoints where run_id = 'run-c' and final`);
    assert.equal(finals.rows[0]?.n, 1);
  } finally {
    await h.close(svc);
  }
});
