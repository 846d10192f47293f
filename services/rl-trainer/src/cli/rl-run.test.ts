import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRlRunArgs, RlUsageError } from "./rl-run.js";

test("rl run flags: defaults, overrides, and clear errors", () => {
  const a = parseRlRunArgs(["--reward-model", "rm-1", "--beta", "0.05", "--steps", "20"]);
  assert.equal(a.rewardModel, "rm-1");
  assert.equal(a.beta, 0.05);
  assert.equal(a.steps, 20);
  assert.equal(a.algorithm, "rloo");
  assert.equal(a.wait, true);
  assert.equal(parseRlRunArgs(["--reward-model", "x", "--no-wait"]).wait, false);
  assert.throws(() => parseRlRunArgs([]), /--reward-model is required/);
  assert.throws(() => parseRlRunArgs(["--reward-model", "x", "--beta", "-1"]), /--beta/);
  assert.throws(() => parseRlRunArgs(["--reward-model", "x", "--steps", "1.5"]), RlUsageError);
  assert.throws(() => parseRlRunArgs(["--reward-model", "x", "--bogus"]), RlUsageError);
});
