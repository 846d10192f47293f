/**
 * Found by the canary scenario of the reliability suite (`canary SIGKILL mid-run`): the runner
 * stores progress without waiting ("statistics 1/1" is the last write), then announces the
 * report and marks it done. Right after a restart the pool has no idle connection, the progress
 * write waited for a new one and landed after "done": the finished report read "running" again
 * (and a later restart would run and announce it again). This test delays that last progress
 * write the same way and checks the report stays done. Real Postgres (own schema), no broker.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createLogger, createMemoryBus, createMetrics, createPool, type Pool } from "@rlhf-loop/kit";
import { createCanaryService, migrateCanary } from "@rlhf-loop/canary";
import { readStackEnv } from "../support/stack-env.js";

const env = readStackEnv();
const skip = env ? false : "needs DATABASE_URL (bash infra/stack.sh up)";

/** The pool, with the runner's last progress write ("statistics", done = total) held back like a slow new connection. */
function delayingLastProgress(pool: Pool, ms: number): Pool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
      return async (sql: unknown, params?: unknown[]) => {
        if (typeof sql === "string" && sql.includes("set status = $2, stage = $3") && params?.[2] === "statistics" && params[3] === params[4]) {
          await new Promise((r) => setTimeout(r, ms));
        }
        return target.query(sql as string, params);
      };
    },
  });
}

void test("a progress write that lands after the canary report is done leaves it done", { skip, timeout: 60_000 }, async () => {
  const suffix = randomBytes(4).toString("hex");
  const schema = `canary_late_t_${suffix}`;
  const logger = createLogger({ service: "canary-late-test", level: "silent" });
  const pool = createPool({ url: env!.databaseUrl, max: 4, applicationName: "canary-late-test", logger });
  const bus = createMemoryBus();
  try {
    await migrateCanary(pool, { schema });
    await bus.ensureTopics([`t.${suffix}.r`]);
    const svc = createCanaryService({
      bus, pool: delayingLastProgress(pool, 400), logger, metrics: createMetrics({ service: "canary-late-test", defaultMetrics: false }),
      answers: { generate: async (_v, prompts, samples) => prompts.map((p, i) => Array.from({ length: samples }, (_, j) => `Answer ${j} to ${i}: ${p.slice(0, 20)}`)), close: () => undefined },
      scores: { score: async (_m, rows) => rows.map((r) => r.answer.length / 100), modelTenant: async () => "", close: () => undefined },
      options: { dbSchema: schema, topics: { interactions: `t.${suffix}.i`, feedback: `t.${suffix}.f`, policies: `t.${suffix}.p`, reports: `t.${suffix}.r` }, samplesPerTask: 2, bootstrapResamples: 100 },
    });
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `How do I reset my password, case ${i}?`, loggedAnswer: `Open settings and choose reset, case ${i}.` }));
    const set = await svc.sets.importJsonl("t1", lines.join("\n"));
    const queued = await svc.runner.request({ tenantId: "t1", candidateVersion: "run-x@4", canarySetId: set.setId, rewardModelId: "rm-1" });
    const finished = await svc.runner.wait(queued.reportId, 30_000);
    assert.equal(finished.status, "done", `run ${finished.status}: ${finished.error}`);
    // Past the held-back write.
    await new Promise((r) => setTimeout(r, 800));
    const after = await svc.store.report(queued.reportId);
    assert.equal(after?.status, "done", `report ${after?.status} at stage ${after?.stage} after it was done`);
    assert.equal(after?.stage, "done");
    await svc.runner.stop();
  } finally {
    await bus.close().catch(() => undefined);
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
});
