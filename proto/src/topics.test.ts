import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Topics, allTopicNames, renamedTopics } from "./topics.js";

describe("topic names", () => {
  it("renamedTopics renames every topic under its own key", () => {
    const mine = renamedTopics((name) => `test.abc.${name}`);
    assert.deepEqual(Object.keys(mine).sort(), Object.keys(Topics).sort());
    assert.equal(mine.rewardModels, "test.abc.rlhf.reward-models.v1");
    assert.equal(mine.canaryReports, "test.abc.rlhf.canary-reports.v1");
  });

  it("allTopicNames lists each topic and its DLQ twin once", () => {
    const all = allTopicNames();
    assert.equal(all.length, 2 * Object.keys(Topics).length);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.includes("rlhf.policies.v1.dlq"));
  });
});
