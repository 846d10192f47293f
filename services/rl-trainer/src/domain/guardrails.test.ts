import assert from "node:assert/strict";
import { test } from "node:test";
import { checkKlBudget, checkShape, DEFAULT_GUARDRAILS } from "./guardrails.js";
import { keywordJudge, shapeStats } from "./shape.js";

const ref = { length: 60, refusalRate: 0.02, hedgeRate: 0.2, disclaimerRate: 0.2 };

test("the KL budget stops a run past it, not before; no budget never stops", () => {
  const cfg = { ...DEFAULT_GUARDRAILS, klBudget: 5 };
  assert.equal(checkKlBudget(4.9, cfg).stop, false);
  assert.deepEqual(checkKlBudget(5.1, cfg).reason, "kl_budget");
  assert.equal(checkKlBudget(1e9, DEFAULT_GUARDRAILS).stop, false);
});

test("shape drift stops the run unless gold rose by more than the margin", () => {
  const shorter = { ...ref, length: 30 };
  const v = checkShape(ref, shorter, 0.01, DEFAULT_GUARDRAILS);
  assert.equal(v.reason, "shape_drift");
  assert.deepEqual(v.drift.map((d) => d.measure), ["length"]);
  assert.equal(checkShape(ref, shorter, 0.5, DEFAULT_GUARDRAILS).stop, false, "drift with a real gold gain is allowed");
  assert.equal(checkShape(ref, shorter, undefined, DEFAULT_GUARDRAILS).stop, true, "unknown gold: stop");
  assert.equal(checkShape(ref, { ...ref, length: 70 }, -1, DEFAULT_GUARDRAILS).stop, false, "within thresholds");
  assert.deepEqual(checkShape(ref, { ...ref, refusalRate: 0.5, disclaimerRate: 0.5 }, 0, DEFAULT_GUARDRAILS).drift.map((d) => d.measure), ["refusal_rate", "disclaimer_rate"]);
});

test("shape stats count words and the judge's traits", () => {
  const s = shapeStats(
    [
      { prompt: "", answer: "I'm not sure, but this is general information only." },
      { prompt: "", answer: "I cannot assist with that." },
    ],
    keywordJudge,
  );
  assert.deepEqual(s, { length: 7, refusalRate: 0.5, hedgeRate: 0.5, disclaimerRate: 0.5 });
});
