/**
 * Found by reading the RL trainer's executor for SIGKILL windows: when a guardrail stops a run, the
 * final checkpoint is stored, announced, named in the run row, and only then is the run row marked
 * "stopped" with its reason. A crash before that last write left a run "running" whose last
 * checkpoint is final: the resumed run trained past it (a second final checkpoint, more steps) and
 * the stop reason never reached the run row, nor the announcement when that was still missing.
 * This test stops a run at its KL budget, then rewinds the run row to what a crash leaves at two
 * points (after the announcement; before it) and starts a fresh service each time: the run must end
 * exactly as it did uninterrupted — stopped, same reason and detail, no further step or checkpoint,
 * and the final checkpoint announced once, with its stop reason.
 * Real Postgres (the shared stack, own schema), an in-process bus, a tiny run.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RlTrainerService, RunRow } from "@rlhf-loop/rl-trainer";
import { eventually, rlCrashHarness, skipWithoutStack } from "./rl-crash-harness.js";

void test("a run stopped by a guardrail whose stop was not recorded before a crash ends stopped on resume, with its reason, and trains no further", { skip: skipWithoutStack, timeout: 180_000 }, async () => {
  const h = rlCrashHarness("crash_s");
  const { schema, pool, announced } = h;
  const finished = (s: RlTrainerService, what: string): Promise<RunRow> => h.finished(s, "run-s", what);
  const count = async (table: string): Promise<number> => (await pool.query<{ n: number }>(`select count(*)::int n from "${schema}".${table} where run_id = 'run-s'`)).rows[0]!.n;
  const checkpoints = async () => (await pool.query<{ policy_version: string; sha256: string; final: boolean }>(`select policy_version, sha256, final from "${schema}".checkpoints where run_id = 'run-s' order by step`)).rows;
  let svc: RlTrainerService | undefined;
  try {
    svc = await h.start();
    // KL is 0 at step 1 (the policy is the reference) and grows with each update: a small budget
    // stops the run after a non-final checkpoint and well before its 12 steps.
    const config = { steps: 12, promptsPerStep: 4, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 5, klBudget: 0.6 };
    await h.requestRun("run-s", config);
    const done = await finished(svc, "run stopped");
    assert.equal(done.status, "stopped", done.error);
    assert.equal(done.stopReason, "kl_budget");
    const stopStep = done.stepsDone;
    assert.ok(stopStep >= 3 && stopStep < config.steps, `the budget stops the run between steps 3 and ${config.steps - 1} (stopped at ${stopStep})`);
    const finalVersion = `run-s@${stopStep}`;
    assert.equal(done.policyVersion, finalVersion);
    await eventually("final announcement", async () => (announced.some((a) => a.final) ? true : undefined));
    const uninterrupted = announced.at(-1)!;
    assert.deepEqual(uninterrupted, { version: finalVersion, final: true, parent: uninterrupted.parent, stopReason: "kl_budget", stopDetail: done.stopDetail });
    assert.match(uninterrupted.parent, /^run-s@\d+$/);
    const prevStep = Number(uninterrupted.parent.split("@")[1]);
    const stats = await count("step_stats");
    assert.equal(stats, stopStep);
    const stored = await checkpoints();
    assert.deepEqual(stored.at(-1), { policy_version: finalVersion, sha256: stored.at(-1)!.sha256, final: true });
    await svc.stop();

    const resumeAndCheck = async (what: string): Promise<void> => {
      svc = h.build();
      await svc.start();
      const resumed = await finished(svc, `${what}: resumed run finished`);
      assert.equal(resumed.status, "stopped", `${what}: ${resumed.error}`);
      assert.equal(resumed.stopReason, "kl_budget", what);
      assert.equal(resumed.stopDetail, done.stopDetail, what);
      assert.equal(resumed.policyVersion, finalVersion, what);
      assert.equal(resumed.stepsDone, stopStep, what);
      assert.equal(await count("step_stats"), stats, `${what}: no step after the stop`);
      assert.deepEqual(await checkpoints(), stored, `${what}: no checkpoint after the final one`);
      await new Promise((r) => setTimeout(r, 500));
      await svc.stop();
    };

    // SIGKILL after the final checkpoint was announced and named, before the run row said "stopped".
    await pool.query(`update "${schema}".runs set status = 'running', stop_reason = '', stop_detail = '' where run_id = 'run-s'`);
    announced.length = 0;
    await resumeAndCheck("crash after the announcement");
    assert.deepEqual(announced, [], "the final checkpoint was announced already: not again");

    // SIGKILL right after the final checkpoint was stored: not announced, the run row names the one before.
    await pool.query(`update "${schema}".runs set status = 'running', stop_reason = '', stop_detail = '', policy_version = $1, steps_done = $2 where run_id = 'run-s'`, [uninterrupted.parent, prevStep]);
    await resumeAndCheck("crash before the announcement");
    assert.deepEqual(announced, [uninterrupted], "the stored final checkpoint is announced once, with its stop reason");
  } finally {
    await h.close(svc);
  }
});
