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
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { createLogger, createMemoryBus, createMetrics, createPool, type Bus } from "@rlhf-loop/kit";
import { InteractionSchema, PolicyAnnouncementSchema, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema } from "@rlhf-loop/proto";
import { createRlTrainerService, type RlTrainerService } from "@rlhf-loop/rl-trainer";
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

void test("a final checkpoint stored but not announced before a crash is announced once when the run resumes", { skip, timeout: 120_000 }, async () => {
  const suffix = randomBytes(4).toString("hex");
  const schema = `rl_crash_t_${suffix}`;
  const topics = { rlRuns: `t.${suffix}.rl-runs`, rewardModels: `t.${suffix}.reward-models`, policies: `t.${suffix}.policies`, interactions: `t.${suffix}.interactions`, canaryReports: `t.${suffix}.canary-reports` };
  const logger = createLogger({ service: "rl-crash-test", level: "silent" });
  const metrics = () => createMetrics({ service: "rl-crash-test", defaultMetrics: false });
  const pool = createPool({ url: env!.databaseUrl, max: 4, applicationName: "rl-crash-test", logger });
  const bus: Bus = createMemoryBus();
  const announced: { version: string; final: boolean; parent: string }[] = [];
  const build = (): RlTrainerService =>
    createRlTrainerService({
      bus, pool, logger, metrics: metrics(),
      // A real, deterministic reward: shorter answers score higher.
      rewardFor: async () => async (rows) => rows.map((r) => -(r.answer.match(/\S+/g)?.length ?? 0) / 20),
      options: {
        dbSchema: schema, topics, groupPrefix: `rl-crash-${suffix}`, httpPort: 0, grpcPort: 0,
        executor: { checkpointEvery: 2, referenceFit: { epochs: 1, lr: 0.02, temperature: 0.6 }, loggedAnswerLimit: 300, probePrompts: 16, threads: 1 },
      },
    });
  let svc = build();
  try {
    await svc.start();
    await bus.subscribe({
      groupId: `reader-${suffix}`, topics: [topics.policies], fromBeginning: true,
      handleBatch: async (records) => {
        for (const r of records) {
          const p = fromBinary(PolicyAnnouncementSchema, r.value!);
          announced.push({ version: p.policyVersion, final: p.final, parent: p.parentVersion });
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
    const config = { steps: 4, promptsPerStep: 4, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 5 };
    await bus.publish(topics.rlRuns, RlRunRequestSchema, [{ key: "run-c", message: create(RlRunRequestSchema, { runId: "run-c", tenantId: "t1", rewardModelId: "rm-1", config }) }]);
    const done = await eventually("run completed", async () => {
      const r = await svc.store.getRun("run-c");
      return r && r.status !== "queued" && r.status !== "running" ? r : undefined;
    });
    assert.equal(done.status, "completed", done.error);
    await eventually("two announcements", async () => (announced.length >= 2 ? true : undefined));
    assert.deepEqual(announced, [{ version: "run-c@2", final: false, parent: "" }, { version: "run-c@4", final: true, parent: "run-c@2" }]);
    await svc.stop();

    // What a SIGKILL between storing the final checkpoint and announcing it leaves behind.
    await pool.query(`update "${schema}".runs set status = 'running', policy_version = 'run-c@2', steps_done = 2 where run_id = 'run-c'`);
    announced.length = 0;
    svc = build();
    await svc.start();
    const resumed = await eventually("resumed run completed", async () => {
      const r = await svc.store.getRun("run-c");
      return r && r.status !== "queued" && r.status !== "running" ? r : undefined;
    });
    assert.equal(resumed.status, "completed", resumed.error);
    assert.equal(resumed.policyVersion, "run-c@4");
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(announced, [{ version: "run-c@4", final: true, parent: "run-c@2" }], "the stored final checkpoint is announced once");
    const finals = await pool.query<{ n: number }>(`select count(*)::int n from "${schema}".checkpoints where run_id = 'run-c' and final`);
    assert.equal(finals.rows[0]?.n, 1);
  } finally {
    await svc.stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
});
