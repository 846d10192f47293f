// The whole loop in cluster mode (each service its own process, the real Kafka broker and Postgres),
// with a shorter configuration than `make demo`: the scenario's own stages must pass, gold utility
// of the traffic must rise after the canary promotes the first checkpoint, and the arm trained on
// length-biased clickers must be held, not promoted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createWorld } from "@rlhf-loop/sim";
import { BIASED_ARM, DayTracker, MAIN_ARM, demoWorldConfig, runScenario, startClusterStack, type ScenarioOptions } from "@rlhf-loop/cli/demo";
import { readStackEnv } from "../support/stack-env.js";

const env = readStackEnv();
const skip = !env ? "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)" : false;

const SHORT: ScenarioOptions = { seed: 11, ratePerSec: 6_000, canaryTasks: 150, rlSteps: 14, promptsPerStep: 32, firstCycleDays: 6 };

test("cluster mode: the canary promotes a checkpoint that raises gold, and holds the biased arm", { skip, timeout: 1_500_000 }, async (t) => {
  process.env["KAFKA_BROKERS"] ??= env!.brokers.join(",");
  process.env["DATABASE_URL"] ??= env!.databaseUrl;
  const world = createWorld(demoWorldConfig({ interactionsPerDay: 1200, tenantId: "e2e" }), SHORT.seed);
  const tracker = new DayTracker(MAIN_ARM);
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
    if (!l.startsWith("   step") && !l.startsWith("   day")) t.diagnostic(l.trim());
  };
  const stack = await startClusterStack(world, "e2e", say);
  try {
    const { data, ok } = await runScenario(stack, world, tracker, SHORT, say);
    const failed = data.stages.filter((s) => s.status !== "ok");
    assert.ok(ok, `stages failed: ${failed.map((s) => `${s.name}: ${s.detail}`).join(" | ")}`);
    assert.equal(data.mode, "cluster");

    const promotion = data.promotions.find((p) => p.arm === MAIN_ARM);
    assert.ok(promotion, "the main arm was promoted");
    const mean = (days: typeof data.days) => days.reduce((s, d) => s + d.gold * d.interactions, 0) / days.reduce((s, d) => s + d.interactions, 0);
    const before = mean(data.days.filter((d) => d.day < promotion.day));
    const after = mean(data.days.filter((d) => d.day >= promotion.day));
    t.diagnostic(`gold utility of the traffic: ${before.toFixed(3)} before promotion, ${after.toFixed(3)} after`);
    assert.ok(after > before + 0.1, `gold rose after promotion: ${before} -> ${after}`);
    assert.ok(data.days.filter((d) => d.day >= promotion.day).every((d) => d.answeredBy !== "production bot"), "the promoted policy answered the traffic after promotion");

    const biased = data.canary.find((c) => c.arm === BIASED_ARM);
    assert.ok(biased, "the biased arm reached the canary");
    assert.equal(biased.decision, "hold", JSON.stringify(biased.reasons));
    assert.ok(biased.reasons.some((r) => r.code === "shorter_everywhere"), JSON.stringify(biased.reasons.map((r) => r.code)));
    const biasedRm = data.rewardModels.find((r) => r.arm === BIASED_ARM);
    assert.ok(biasedRm?.checks.some((c) => c.flagged), "the biased reward model's proxy check fired");
    assert.ok(data.drift.at(-1)?.alerts.some((a) => a.startsWith("intent_mix")), "the intent drift alert fired for week 2");
  } finally {
    await stack.stop();
  }
});
