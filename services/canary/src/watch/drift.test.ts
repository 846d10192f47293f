import assert from "node:assert/strict";
import { test } from "node:test";
import { detectDrift } from "./drift.js";
import { emptyWeek, type WeekAggregate } from "./week.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

function week(start: string, init: Partial<Pick<WeekAggregate, "questions" | "intents" | "segments" | "repeat">> & { outcomes?: Partial<WeekAggregate["outcomes"]> }): WeekAggregate {
  const w = emptyWeek("t1", start);
  w.questions = init.questions ?? 1000;
  w.interactions = w.questions;
  w.intents = init.intents ?? { a: w.questions / 2, b: w.questions / 2 };
  w.segments = init.segments ?? {};
  w.outcomes = { ...w.outcomes, ...init.outcomes };
  w.repeat = init.repeat ?? { questions: w.questions, repeats: Math.round(w.questions * 0.03) };
  return w;
}

void test("a new intent alerts on the mix (PSI worked by hand), and worse rates call for retraining", () => {
  const base = week("2025-03-03", {
    intents: { a: 500, b: 500 },
    outcomes: { escalation: 50, refund: 30 },
    segments: { consumer: { questions: 500, thumbsUp: 600, thumbsDown: 400 }, tiny: { questions: 5, thumbsUp: 5, thumbsDown: 5 } },
  });
  const cur = week("2025-03-10", {
    intents: { a: 300, b: 450, c: 250 },
    outcomes: { escalation: 90, refund: 50 },
    segments: { consumer: { questions: 500, thumbsUp: 500, thumbsDown: 500 }, tiny: { questions: 5, thumbsUp: 1, thumbsDown: 9 } },
  });
  const r = detectDrift(base, cur);
  // Shares .5/.5/0 -> .3/.45/.25; c absent before gets epsilon 1e-4:
  // (.3-.5)ln(.3/.5) + (.45-.5)ln(.45/.5) + (.25-1e-4)ln(.25/1e-4) = 2.062662248649077.
  close(r.psi!, 2.062662248649077);
  const mix = r.alerts.find((a) => a.kind === "intent_mix")!;
  assert.equal(mix.key, "c");
  assert.equal(mix.threshold, 0.2);
  assert.match(mix.message, /PSI 2\.063 > 0\.2 \(c 0\.0% -> 25\.0%, a 50\.0% -> 30\.0%, b 50\.0% -> 45\.0%\)/);
  // Escalation 50/1000 -> 90/1000: pooled z = 3.5055, p = 4.557e-4 < 0.01, change 4 points >= 1.
  const esc = r.alerts.find((a) => a.kind === "outcome_rate" && a.key === "escalation")!;
  close(esc.pValue!, 0.000455687934645397, 1e-9);
  assert.equal(esc.value, 0.09);
  assert.equal(esc.baseline, 0.05);
  assert.match(esc.message, /escalation rate rose from 5\.0% to 9\.0%/);
  // Refund 30 -> 50: p = 0.0225, past the minimum but not below 0.01: watched, not alerted.
  const refund = r.watch.find((a) => a.kind === "outcome_rate" && a.key === "refund")!;
  close(refund.pValue!, 0.02247887336612527, 1e-9);
  assert.ok(!r.alerts.some((a) => a.key === "refund"));
  // Consumer thumbs-up 60% -> 50% of 1000 votes each: p = 6.97e-6.
  const thumbs = r.alerts.find((a) => a.kind === "thumbs_rate")!;
  assert.equal(thumbs.key, "consumer");
  close(thumbs.pValue!, 6.967931072849875e-6, 1e-10);
  assert.match(thumbs.message, /thumbs-up rate of consumer fell from 60\.0% to 50\.0%/);
  // A segment with 10 thumbs a week is not tested.
  assert.ok(r.skipped.some((s) => /segment tiny/.test(s)));
  assert.ok(!r.alerts.some((a) => a.key === "tiny"));
  assert.equal(r.retrain, "yes");
  assert.match(r.reason, /^Retrain: intent mix moved/);
  assert.deepEqual(r.alerts.map((a) => a.kind).sort(), ["intent_mix", "outcome_rate", "thumbs_rate"]);
});

void test("a significant change under the minimum effect does not alert; a quiet week says no retrain", () => {
  // Reopen 10,000 -> 10,500 of 100,000: p = 2.3e-4, but half a point < 1 point.
  const base = week("2025-03-03", { questions: 100_000, outcomes: { reopen: 10_000 } });
  const cur = week("2025-03-10", { questions: 100_000, outcomes: { reopen: 10_500 } });
  const r = detectDrift(base, cur);
  close(r.psi!, 0);
  assert.deepEqual(r.alerts, []);
  assert.deepEqual(r.watch, []);
  assert.equal(r.retrain, "no");
  assert.match(r.reason, /^No retrain: intent mix stable \(PSI 0\.000\)/);
  // With a smaller minimum it is an alert.
  const strict = detectDrift(base, cur, { minOutcomeChange: 0.004 });
  const reopen = strict.alerts.find((a) => a.key === "reopen")!;
  close(reopen.pValue!, 0.00022765062898044098, 1e-10);
  assert.equal(strict.retrain, "yes");
});

void test("a moderate mix shift or an improvement is worth watching, not retraining", () => {
  // .6/.4 -> .42/.58: (-.18)ln(.7) + (.18)ln(1.45) = 0.13108293006681873, between 0.1 and 0.2.
  const r = detectDrift(week("2025-03-03", { intents: { a: 600, b: 400 } }), week("2025-03-10", { intents: { a: 420, b: 580 } }));
  close(r.psi!, 0.13108293006681873);
  assert.deepEqual(r.alerts, []);
  assert.equal(r.watch[0]?.kind, "intent_mix");
  assert.equal(r.retrain, "watch");
  // Escalations fell from 9% to 5%: an alert, but for the better.
  const better = detectDrift(week("2025-03-03", { outcomes: { escalation: 90 } }), week("2025-03-10", { outcomes: { escalation: 50 } }));
  assert.equal(better.alerts.length, 1);
  assert.equal(better.retrain, "watch");
  assert.match(better.reason, /changed for the better \(escalation rate fell from 9\.0% to 5\.0%/);
  // Repeat questions 3% -> 6%: worse.
  const rep = detectDrift(week("2025-03-03", {}), week("2025-03-10", { repeat: { questions: 1000, repeats: 60 } }));
  assert.equal(rep.alerts[0]?.kind, "repeat_question_rate");
  assert.equal(rep.retrain, "yes");
});

void test("too little data skips comparisons instead of guessing; bad thresholds are refused", () => {
  const r = detectDrift(week("2025-03-03", { questions: 50, intents: { a: 50 } }), week("2025-03-10", { questions: 60, intents: { b: 60 } }));
  assert.equal(r.psi, null);
  assert.deepEqual(r.alerts, []);
  assert.ok(r.skipped.some((s) => /fewer than 200 questions \(baseline 50, this week 60\)/.test(s)));
  assert.equal(r.retrain, "no");
  assert.throws(() => detectDrift(week("2025-03-03", {}), week("2025-03-10", {}), { psiWatch: 0.5 }), /psiWatch/);
  assert.throws(() => detectDrift(week("2025-03-03", {}), week("2025-03-10", {}), { pValue: -1 }), /pValue/);
  assert.throws(() => detectDrift(week("2025-03-03", {}), { ...week("2025-03-10", {}), tenantId: "t2" }), /tenants differ/);
});
