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
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { createLogger, createMemoryBus, createMetrics, createPool, type Bus } from "@rlhf-loop/kit";
import { InteractionSchema, PolicyAnnouncementSchema, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema } from "@rlhf-loop/proto";
import { createRlTrainerService, type RlTrainerService, type RunRow } from "@rlhf-loop/rl-trainer";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { readStackEnv } from "../support/stack-env.js";

const env = readStackEnv();
const skip = env ? false : "needs DATABASE_URL (bash infra/stack.sh up)";

async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Announced {
  version: string;
  final: boolean;
  parent: string;
  stopReason: string;
  stopDetail: string;
}

void test("a run stopped by a guardrail whose stop was not recorded before a crash ends stopped on resume, with its reason, and trains no further", { skip, timeout: 180_000 }, async () => {
  const suffix = randomBytes(4).toString("hex");
  const schema = `rl_crash_s_${suffix}`;
  const topics = { rlRuns: `t.${suffix}.rl-runs`, rewardModels: `t.${suffix}.reward-models`, policies: `t.${suffix}.policies`, interactions: `t.${suffix}.interactions`, canaryReports: `t.${suffix}.canary-reports` };
  const logger = createLogger({ service: "rl-crash-stop-test", level: "silent" });
  const metrics = () => createMetrics({ service: "rl-crash-stop-test", defaultMetrics: false });
  const pool = createPool({ url: env!.databaseUrl, max: 4, applicationName: "rl-crash-stop-test", logger });
  const bus: Bus = createMemoryBus();
  const announced: Announced[] = [];
  const build = (): RlTrainerService =>
    createRlTrainerService({
      bus, pool, logger, metrics: metrics(),
      // A real, deterministic reward: shorter answers score higher.
      rewardFor: async () => async (rows) => rows.map((r) => -(r.answer.match(/\S+/g)?.length ?? 0) / 20),
      options: {
        dbSchema: schema, topics, groupPrefix: `rl-crash-s-${suffix}`, httpPort: 0, grpcPort: 0,
        executor: { checkpointEvery: 2, referenceFit: { epochs: 1, lr: 0.02, temperature: 0.6 }, loggedAnswerLimit: 300, probePrompts: 16, threads: 1 },
      },
    });
  const finished = (svc: RlTrainerService, what: string): Promise<RunRow> =>
    eventually(what, async () => {
      const r = await svc.store.getRun("run-s");
      return r && r.status !== "queued" && r.status !== "running" ? r : undefined;
    });
  const count = async (table: string): Promise<number> => (await pool.query<{ n: number }>(`select count(*)::int n from "${schema}".${table} where run_id = 'run-s'`)).rows[0]!.n;
  const checkpoints = async () => (await pool.query<{ policy_version: string; sha256: string; final: boolean }>(`select policy_version, sha256, final from "${schema}".checkpoints where run_id = 'run-s' order by step`)).rows;
  let svc = build();
  try {
    await svc.start();
    await bus.subscribe({
      groupId: `reader-${suffix}`, topics: [topics.policies], fromBeginning: true,
      handleBatch: async (records) => {
        for (const r of records) {
          const p = fromBinary(PolicyAnnouncementSchema, r.value!);
          announced.push({ version: p.policyVersion, final: p.final, parent: p.parentVersion, stopReason: p.stopReason, stopDetail: p.stopDetail });
        }
      },
    });
    const world = createWorld(defaultWorldConfig(), 7);
    const chats: { key: string; message: ReturnType<typeof create<typeof InteractionSchema>> }[] = [];
    for (let d = 0; chats.length < 300; d++) {
      for (const e of await world.day(d)) {
        if (e.event.event.case === "interaction" && e.interaction?.purpose === "chat" && chats.length < 300) {
          const i = create(InteractionSchema, { ...e.event.event.value, tenantId: "t1" });
          chats.push({ key: i.interactionId, message: i });
        }
      }
    }
    await bus.publish(topics.interactions, InteractionSchema, chats);
    await bus.publish(topics.rewardModels, RewardModelAnnouncementSchema, [{ key: "rm-1", message: create(RewardModelAnnouncementSchema, { model: { modelId: "rm-1", tenantId: "t1", status: RewardModelStatus.APPROVED } }) }]);
    await eventually("logged answers", async () => ((await pool.query(`select count(*)::int n from "${schema}".logged_answers`)).rows[0].n >= 250 ? true : undefined));
    await eventually("reward model", async () => ((await svc.store.rewardModel("rm-1")) ? true : undefined));
    // KL is 0 at step 1 (the policy is the reference) and grows with each update: a small budget
    // stops the run after a non-final checkpoint and well before its 12 steps.
    const config = { steps: 12, promptsPerStep: 4, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 5, klBudget: 0.6 };
    await bus.publish(topics.rlRuns, RlRunRequestSchema, [{ key: "run-s", message: create(RlRunRequestSchema, { runId: "run-s", tenantId: "t1", rewardModelId: "rm-1", config }) }]);
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
      svc = build();
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
    await svc.stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
});
