import assert from "node:assert/strict";
import { test } from "node:test";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { SIM_SUPPORT_CHECKS, checksFor } from "./checks-template.js";
import { defaultGateConfig } from "./gate.js";
import { runCanary, type CanaryPorts } from "./run.js";
import { simJudge } from "./sim-judge.js";
import type { CanarySet, CanaryTask } from "./types.js";

/** 240 held-out-like tasks from one simulated day: the bot's logged answers are production. */
async function simTasks(): Promise<CanaryTask[]> {
  const world = createWorld(defaultWorldConfig(), 11);
  const tasks: CanaryTask[] = [];
  const prompts = new Set<string>();
  for await (const e of world.events({ days: 1 })) {
    if (e.interaction?.purpose !== "chat" || e.event.event.case !== "interaction") continue;
    const i = e.event.event.value;
    const prompt = i.prompt.at(-1)!.content;
    if (prompts.has(prompt)) continue;
    prompts.add(prompt);
    tasks.push({ taskId: i.interactionId, intent: e.interaction.intent, segment: i.segment, prompt, loggedAnswer: i.answer, checks: checksFor(SIM_SUPPORT_CHECKS, e.interaction.intent), expertComparisons: [] });
    if (tasks.length === 240) break;
  }
  return tasks;
}

const firstSentences = (text: string, n: number): string => (text.match(/[^.!?]+[.!?]/g) ?? [text]).slice(0, n).join("").trim();

function ports(tasks: readonly CanaryTask[], candidate: (t: CanaryTask, s: number) => string, score: (answer: string) => number, stages: string[]): CanaryPorts {
  const byPrompt = new Map(tasks.map((t) => [t.prompt, t]));
  return {
    generate: async (_v, prompts, samples) => prompts.map((p) => Array.from({ length: samples }, (_, s) => candidate(byPrompt.get(p)!, s))),
    score: async (_m, rows) => rows.map((r) => score(r.answer)),
    judge: simJudge(defaultWorldConfig()),
    progress: (stage) => stages.push(stage),
  };
}

function input(set: CanarySet) {
  return { reportId: "r1", tenantId: "t", set, candidateVersion: "cand", productionVersion: "", rewardModelId: "rm", runId: "run", samplesPerTask: 2, seed: 5, gate: defaultGateConfig, now: new Date("2026-11-27T00:00:00Z"), bootstrapResamples: 400 };
}

test("a candidate that only cuts answers short, scored by a length-loving reward model, is held for 'shorter everywhere'", async () => {
  const tasks = await simTasks();
  const set: CanarySet = { setId: "s", tenantId: "t", version: 1, source: "traffic", createdAt: "", tasks };
  const stages: string[] = [];
  const words = (a: string) => a.split(/\s+/).filter(Boolean).length;
  const { doc, evals } = await runCanary(input(set), ports(tasks, (t) => firstSentences(t.loggedAnswer!, 1), (a) => -words(a), stages));
  assert.equal(doc.decision, "hold", JSON.stringify(doc.reasons));
  assert.ok(doc.reasons.some((r) => r.code === "shorter_everywhere"), JSON.stringify(doc.reasons.map((r) => r.code)));
  const win = doc.metrics.find((m) => m.name === "reward_win_rate" && m.intent === "")!;
  assert.ok(win.candidate.estimate > 0.9, "the proxy loves it");
  // Gold is measured on both sides for the simulated product, and evals carry outcomes and rubric.
  assert.ok(doc.metrics.some((m) => m.name === "gold" && m.intent === ""));
  assert.ok(evals.every((e) => e.gold !== undefined && e.outcomes !== undefined && e.rubric !== undefined));
  assert.equal(doc.lengths.candidate.length, 480);
  assert.equal(doc.lengths.production.length, 240);
  assert.deepEqual([...new Set(stages)], ["candidate answers", "reward scores", "statistics"]);
});

test("a candidate identical to production shows no gain and is held, not promoted", async () => {
  const tasks = await simTasks();
  const set: CanarySet = { setId: "s", tenantId: "t", version: 1, source: "traffic", createdAt: "", tasks };
  const { doc } = await runCanary(input(set), ports(tasks, (t) => t.loggedAnswer!, (a) => a.length % 7, []));
  assert.equal(doc.decision, "hold");
  assert.deepEqual(doc.reasons.map((r) => r.code), ["no_clear_gain"]);
  const len = doc.metrics.find((m) => m.name === "length_words" && m.intent === "")!;
  assert.equal(len.delta.estimate, 0);
});
