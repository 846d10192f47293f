import assert from "node:assert/strict";
import { test } from "node:test";
import { rlhfFitSummary } from "./rlhf-fit.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

void test("mostly preference-shaped complaints: RLHF fits, with the Wilson interval worked by hand", () => {
  const s = rlhfFitSummary(
    { too_long: 40, tone: 10, policy_not_followed: 20, missing_knowledge: 20, tool_failure: 10, meh: 5, unused: 0 },
    { questions: 1000, counts: { escalation: 50, compliance_flag: 3 } },
  );
  assert.deepEqual(s.codes, { total: 105, preference: 70, capability: 30, other: 5 });
  // 70 of 100 classified; Wilson 95%: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964.
  close(s.preferenceShare!.estimate, 0.7);
  close(s.preferenceShare!.low, 0.6041514536665332);
  close(s.preferenceShare!.high, 0.7810511470506724);
  assert.equal(s.recommendation, "rlhf_fits");
  assert.equal(s.confident, true);
  assert.match(s.message, /^RLHF fits: most complaints are about how answers are written/);
  assert.deepEqual(
    s.topCodes.map((c) => [c.code, c.count, c.shape]),
    [
      ["too_long", 40, "preference"],
      ["missing_knowledge", 20, "capability"],
      ["policy_not_followed", 20, "preference"],
      ["tone", 10, "preference"],
      ["tool_failure", 10, "capability"],
    ],
  );
  close(s.topCodes[0]!.share, 40 / 105);
  assert.deepEqual(s.otherCodes, [{ code: "meh", count: 5 }]);
  assert.match(s.message, /Unclassified codes \("other"\): meh 5/);
  assert.deepEqual(s.outcomeRates, { escalation: 0.05, refund: 0, reopen: 0, compliance_flag: 0.003 });
  assert.match(s.message, /escalation 5\.0%/);
});

void test("mostly capability-shaped: fix knowledge and tools first; in between: mixed", () => {
  const cap = rlhfFitSummary({ missing_knowledge: 50, wrong_information: 20, tool_failure: 10, tone: 20 });
  close(cap.preferenceShare!.estimate, 0.2);
  close(cap.preferenceShare!.low, 0.1333669333310325);
  close(cap.preferenceShare!.high, 0.2888291655931589);
  assert.equal(cap.recommendation, "fix_capability_first");
  assert.equal(cap.confident, true);
  assert.match(cap.message, /^fix knowledge\/tools first: RLHF will not add missing facts/);
  assert.equal(cap.outcomeRates, null);

  assert.equal(rlhfFitSummary({ tone: 45, missing_knowledge: 55 }).recommendation, "mixed");
  // At the thresholds: 0.6 fits, 0.3 is capability first.
  assert.equal(rlhfFitSummary({ tone: 60, incorrect: 40 }).recommendation, "rlhf_fits");
  assert.equal(rlhfFitSummary({ tone: 30, incorrect: 70 }).recommendation, "fix_capability_first");
});

void test("an estimate whose interval crosses a threshold is not confident; too few codes is insufficient data", () => {
  const s = rlhfFitSummary({ tone: 62, missing_knowledge: 38 });
  assert.equal(s.recommendation, "rlhf_fits");
  close(s.preferenceShare!.low, 0.5220975529551107);
  assert.equal(s.confident, false);
  assert.match(s.message, /the interval crosses a threshold/);

  const few = rlhfFitSummary({ tone: 5, missing_knowledge: 3, other: 40 });
  assert.equal(few.recommendation, "insufficient_data");
  assert.match(few.message, /8 classified, need 30/);
  const none = rlhfFitSummary({ other: 4 });
  assert.equal(none.preferenceShare, null);
  assert.equal(none.recommendation, "insufficient_data");
  // The SDK widget's codes are classified too; a custom taxonomy replaces the default.
  assert.deepEqual(rlhfFitSummary({ rude_tone: 3, incorrect: 2, unhelpful: 1 }).codes, { total: 6, preference: 3, capability: 2, other: 1 });
  assert.deepEqual(rlhfFitSummary({ slow: 3 }, undefined, { taxonomy: { slow: "capability" } }).codes, { total: 3, preference: 0, capability: 3, other: 0 });
  assert.throws(() => rlhfFitSummary({ tone: -1 }), /reasonCounts\["tone"\] must be an integer >= 0/);
  assert.throws(() => rlhfFitSummary({ tone: 1 }, undefined, { fitsAt: 0.2, capabilityAt: 0.3 }), /capabilityAt < fitsAt/);
});
