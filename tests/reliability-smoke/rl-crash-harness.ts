// What the RL trainer's crash-window tests share: a service on real Postgres (own schema) and an
// in-process bus, logged traffic and an approved reward model for tenant t1, the policy
// announcements it makes, and a way to wait for a run to finish. Each test then rewinds the run row
// to what a SIGKILL at its window leaves behind and starts a fresh service on it.
import { randomBytes } from "node:crypto";
import { create, fromBinary } from "@bufbuild/protobuf";
import { createLogger, createMemoryBus, createMetrics, createPool, type Bus, type Pool } from "@rlhf-loop/kit";
import { InteractionSchema, PolicyAnnouncementSchema, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema } from "@rlhf-loop/proto";
import { createRlTrainerService, type RlTrainerService, type RunRow } from "@rlhf-loop/rl-trainer";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { readStackEnv } from "../support/stack-env.js";

export const stackEnv = readStackEnv();
export const skipWithoutStack = stackEnv ? false : "needs DATABASE_URL (bash infra/stack.sh up)";

export async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Announced {
  version: string;
  final: boolean;
  parent: string;
  stopReason: string;
  stopDetail: string;
}

export interface RlCrashHarness {
  readonly schema: string;
  readonly pool: Pool;
  /** Policy announcements seen since the harness started (tests clear it between phases). */
  readonly announced: Announced[];
  /** A fresh service on the same schema and bus: what a restarted process is. */
  build(): RlTrainerService;
  /** Starts a first service, with logged answers and the approved reward model rm-1 in place. */
  start(): Promise<RlTrainerService>;
  requestRun(runId: string, config: Record<string, number>): Promise<void>;
  finished(svc: RlTrainerService, runId: string, what: string): Promise<RunRow>;
  close(svc: RlTrainerService | undefined): Promise<void>;
}

export function rlCrashHarness(name: string): RlCrashHarness {
  const suffix = randomBytes(4).toString("hex");
  const schema = `rl_${name.replace(/\W/g, "_")}_${suffix}`;
  const topics = { rlRuns: `t.${suffix}.rl-runs`, rewardModels: `t.${suffix}.reward-models`, policies: `t.${suffix}.policies`, interactions: `t.${suffix}.interactions`, canaryReports: `t.${suffix}.canary-reports` };
  const logger = createLogger({ service: `rl-${name}-test`, level: "silent" });
  const pool = createPool({ url: stackEnv!.databaseUrl, max: 4, applicationName: `rl-${name}-test`, logger });
  const bus: Bus = createMemoryBus();
  const announced: Announced[] = [];
  const build = (): RlTrainerService =>
    createRlTrainerService({
      bus, pool, logger, metrics: createMetrics({ service: `rl-${name}-test`, defaultMetrics: false }),
      // A real, deterministic reward: shorter answers score higher.
      rewardFor: async () => async (rows) => rows.map((r) => -(r.answer.match(/\S+/g)?.length ?? 0) / 20),
      options: {
        dbSchema: schema, topics, groupPrefix: `rl-${name}-${suffix}`, httpPort: 0, grpcPort: 0,
        executor: { checkpointEvery: 2, referenceFit: { epochs: 1, lr: 0.02, temperature: 0.6 }, loggedAnswerLimit: 300, probePrompts: 16, threads: 1 },
      },
    });
  return {
    schema, pool, announced, build,
    async start() {
      const svc = build();
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
      await eventually("logged answers", async () => ((await pool.query<{ n: number }>(`select count(*)::int n from "${schema}".logged_answers`)).rows[0]!.n >= 250 ? true : undefined));
      await eventually("reward model", async () => ((await svc.store.rewardModel("rm-1")) ? true : undefined));
      return svc;
    },
    async requestRun(runId, config) {
      await bus.publish(topics.rlRuns, RlRunRequestSchema, [{ key: runId, message: create(RlRunRequestSchema, { runId, tenantId: "t1", rewardModelId: "rm-1", config }) }]);
    },
    finished(svc, runId, what) {
      return eventually(what, async () => {
        const r = await svc.store.getRun(runId);
        return r && r.status !== "queued" && r.status !== "running" ? r : undefined;
      });
    },
    async close(svc) {
      await svc?.stop().catch(() => undefined);
      await bus.close().catch(() => undefined);
      await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
