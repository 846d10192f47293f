import assert from "node:assert/strict";
import { test } from "node:test";
import { isCanaryHoldout } from "@rlhf-loop/proto";
import { parseRunArgs, RunUsageError } from "./args.js";
import { canaryGate, MIN_CANARY_TASKS, MIN_RL_LOGGED, planFor, rlGate, RL_TRAINER_FLOOR, type FilePlan } from "./plan.js";
import { validateRows, type InputRow } from "./validate.js";

/** Conversation ids on a chosen side of the 1-in-20 holdout, found by trying ids in order. */
function conversations(held: boolean, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (isCanaryHoldout("team", `c${i}`) === held) out.push(`c${i}`);
  return out;
}

test("planFor counts feedback, dates, held-out conversations and the answers RL could fit on", () => {
  const held = conversations(true, 2);
  const kept = conversations(false, 3);
  const rows: InputRow[] = [
    { line: 2, values: { interaction_id: "a", conversation_id: kept[0], prompt: "Q1", answer: "A1", vote: "up", occurred_at: "2025-03-05T00:00:00Z" } },
    { line: 3, values: { interaction_id: "a-r", conversation_id: kept[0], prompt: "Q1", answer: "A1 again", regenerated_from: "a", compared_with: "a", choice: "this", source: "expert", rubric_version: "v2", criteria: "tone=this", occurred_at: "2025-03-04T00:00:00Z" } },
    { line: 4, values: { interaction_id: "b", conversation_id: kept[1], prompt: "Q2", answer: "A2", outcome: "escalation", source: "expert", rubric_version: "v1", occurred_at: "2025-03-03T00:00:00Z" } },
    { line: 5, values: { interaction_id: "c", conversation_id: kept[2], prompt: "Q3", answer: "A3", rating: "2", reason_codes: "too_long" } },
    { line: 6, values: { interaction_id: "h1", conversation_id: held[0], prompt: "Same", answer: "X" } },
    { line: 7, values: { interaction_id: "h2", conversation_id: held[1], prompt: " same ", answer: "Y" } },
  ];
  const file = validateRows(rows);
  assert.deepEqual(file.issues, []);
  const p = planFor(file, "team");
  assert.equal(p.interactions, 6);
  assert.deepEqual(p.feedback, { thumb: 1, rating: 1, comparison: 1, outcome: 1 });
  assert.equal(p.expertRows, 2);
  // Versions ordered by when they were last used: v1 on the 3rd, v2 on the 4th.
  assert.deepEqual(p.rubricVersions, ["v1", "v2"]);
  assert.deepEqual(p.criteria, ["tone"]);
  assert.equal(p.reasonCoded, 1);
  // 3 dated interactions + 3 dated signals; c and its rating, h1, h2 undated.
  assert.equal(p.dated, 6);
  assert.equal(p.undated, 4);
  assert.equal(p.firstAt?.toISOString(), "2025-03-03T00:00:00.000Z");
  // a, b, c are logged answers; a-r is a regeneration; h1, h2 are held out with one distinct prompt.
  assert.equal(p.loggedForRl, 3);
  assert.equal(p.heldOutChats, 2);
  assert.equal(p.heldOutPrompts, 1);
});

const plan = (over: Partial<FilePlan>): FilePlan => ({
  interactions: 1000, feedback: { thumb: 0, rating: 0, comparison: 0, outcome: 0 }, expertRows: 0, rubricVersions: [], criteria: [], reasonCoded: 0,
  dated: 0, undated: 0, loggedForRl: 0, heldOutChats: 0, heldOutPrompts: 0, conversationIds: 0, ...over,
});

test("RL runs on its own from 500 logged answers; --rl tries from rl-trainer's floor of 20; --no-rl never", () => {
  assert.deepEqual(rlGate(plan({ loggedForRl: MIN_RL_LOGGED }), "auto"), { run: true });
  const short = rlGate(plan({ loggedForRl: MIN_RL_LOGGED - 1 }), "auto");
  assert.equal(short.run, false);
  assert.ok(!short.run && short.status === "not_possible" && /needs at least 500/.test(short.reason));
  const forced = rlGate(plan({ loggedForRl: RL_TRAINER_FLOOR }), "on");
  assert.ok(forced.run && /only 20 logged answers/.test(forced.warning ?? ""));
  const floor = rlGate(plan({ loggedForRl: RL_TRAINER_FLOOR - 1 }), "on");
  assert.ok(!floor.run && floor.status === "not_possible" && /at least 20/.test(floor.reason));
  assert.deepEqual(rlGate(plan({ loggedForRl: 10_000 }), "off"), { run: false, status: "skipped", reason: "--no-rl" });
});

test("the canary needs 30 distinct held-out prompts; the set is at most 200 tasks", () => {
  const few = canaryGate(plan({ heldOutPrompts: MIN_CANARY_TASKS - 1, heldOutChats: 31 }));
  assert.ok(!few.ok && /29 distinct prompts/.test(few.reason) && /1 in 20/.test(few.reason));
  assert.deepEqual(canaryGate(plan({ heldOutPrompts: MIN_CANARY_TASKS })), { ok: true, size: MIN_CANARY_TASKS });
  assert.deepEqual(canaryGate(plan({ heldOutPrompts: 900 })), { ok: true, size: 200 });
});

test("flags: --feedback required, format and numbers checked, --rl and --no-rl exclusive", () => {
  assert.throws(() => parseRunArgs({}), RunUsageError);
  assert.throws(() => parseRunArgs({ feedback: "f.csv", format: "xlsx" }), /--format must be csv, jsonl or auto/);
  assert.throws(() => parseRunArgs({ feedback: "f.csv", "rl-steps": "0" }), /--rl-steps must be an integer in 1\.\.1000/);
  assert.throws(() => parseRunArgs({ feedback: "f.csv", rl: true, "no-rl": true }), /contradict/);
  assert.deepEqual(parseRunArgs({ feedback: "f.csv", "no-rl": true, out: "o", "skip-bad": true }), { feedback: "f.csv", format: "auto", rl: "off", rlSteps: 20, out: "o", skipBad: true, seed: 7 });
  assert.equal(parseRunArgs({ feedback: "f.csv", rl: true }).rl, "on");
});
