import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "@rlhf-loop/kit";
import { loadLabelingConfig, optionsFromConfig } from "./config.js";

const base = { DATABASE_URL: "postgres://u:secret@127.0.0.1:5432/db", KAFKA_BROKERS: "127.0.0.1:19092" };

test("policies come from the environment", () => {
  const o = optionsFromConfig(
    loadLabelingConfig({
      ...base,
      LABELING_OUTCOME_WEIGHTS: "escalation=-4, refund=-0.5",
      LABELING_SEGMENT_TARGETS: "enterprise=0.4,consumer=0.3",
      LABELING_RATER_CAP: "5",
      LABELING_RATER_WINDOW: "12h",
      LABELING_REVIEW_INCLUSION: "base=0.05",
    }),
  );
  assert.equal(o.signals.outcomeWeights.escalation, -4);
  assert.equal(o.signals.outcomeWeights.refund, -0.5);
  assert.equal(o.signals.outcomeWeights.compliance_flag, -3, "unlisted kinds keep their default");
  assert.deepEqual(o.weighting.segmentTargets, { enterprise: 0.4, consumer: 0.3 });
  assert.equal(o.weighting.raterCapPerWindow, 5);
  assert.equal(o.weighting.raterWindowMs, 12 * 3_600_000);
  assert.equal(o.review.inclusion.base, 0.05);
  assert.equal(o.review.inclusion.escalation, 0.5);
});

test("bad values name the variable and the reason; secrets stay out of messages", () => {
  const bad = (env: Record<string, string>) => {
    try {
      loadLabelingConfig({ ...base, ...env });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    assert.fail("expected a ConfigError");
  };
  assert.match(bad({ LABELING_OUTCOME_WEIGHTS: "meltdown=-1" }), /LABELING_OUTCOME_WEIGHTS: meltdown is not one of escalation, refund, reopen, compliance_flag/);
  assert.match(bad({ LABELING_SEGMENT_TARGETS: "a=0.7,b=0.6" }), /LABELING_SEGMENT_TARGETS: shares sum to 1.3/);
  assert.match(bad({ LABELING_HEAVY_SHARE_MAX: "2" }), /LABELING_HEAVY_SHARE_MAX: must be a number within \[0, 1\]/);
  assert.match(bad({ LABELING_HEAVY_SHARE_MAX: "0.01" }), /cannot be held below their head count share/);
  assert.doesNotMatch(bad({ LABELING_RATER_CAP: "-1" }), /secret/);
});
