// The simulated product with a product change in its third week: the weekly watch raises the intent
// drift alert in the week the change happens and not before, and the RLHF-fit summary says what the
// world's reason-code mix implies.

import assert from "node:assert/strict";
import { test } from "node:test";
import { FeedbackSource, ThumbDirection } from "@rlhf-loop/proto";
import { createWorld, isPreferenceCode, parseWorldConfig, REASON_CODES, reasonCodeOdds, type InteractionTruth } from "@rlhf-loop/sim";
import { WeekAccumulator } from "./accumulator.js";
import { detectDrift } from "./drift.js";
import { rlhfFitSummary } from "./rlhf-fit.js";
import type { WeekAggregate } from "./week.js";

// Day 0 is Monday 2025-03-03, so weeks are days 0-6, 7-13 and 14-20; the change lands on Wednesday of the third.
const DRIFT_DAY = 16;
const config = parseWorldConfig({
  tenantId: "acme",
  traffic: { interactionsPerDay: 600 },
  drift: { day: DRIFT_DAY },
  experts: { pairsPerDay: 10 },
});

void test("a drift scenario raises the intent drift alert within the week it starts, and not before", async (t) => {
  const world = createWorld(config, 11);
  const acc = new WeekAccumulator({ tenantId: "acme" });
  const users = new Map(world.truth().users.map((u) => [u.id, u]));
  const segments = new Map(config.segments.map((s) => [s.name, s]));
  const truth = new Map<string, InteractionTruth>();
  // What the world's reason-code config implies for the down votes it produced (hidden truth).
  let impliedPref = 0;
  let impliedTotal = 0;
  // With the tail: outcomes land up to 72 h after their chat, so a week's rates are final 3 days after it ends.
  for await (const e of world.events({ days: 21, tail: true })) {
    acc.addEvent(e.event);
    const ev = e.event.event;
    if (ev.case === "interaction" && e.interaction) truth.set(ev.value.interactionId, e.interaction);
    if (ev.case === "feedback" && ev.value.kind.case === "thumb" && ev.value.source === FeedbackSource.END_USER && ev.value.kind.value.direction === ThumbDirection.DOWN && !e.feedback?.careless) {
      const it = truth.get(ev.value.interactionId)!;
      const odds = reasonCodeOdds(config, segments.get(it.segment)!, users.get(it.userId)!, it.intent, it.traits);
      for (const c of REASON_CODES) {
        impliedTotal += odds.expected[c];
        if (isPreferenceCode(c)) impliedPref += odds.expected[c];
      }
    }
  }
  const weeks = acc.drain();
  assert.deepEqual(
    weeks.map((w) => w.weekStart),
    ["2025-03-03", "2025-03-10", "2025-03-17"],
  );
  const [w0, w1, w2] = weeks as [WeekAggregate, WeekAggregate, WeekAggregate];
  for (const w of weeks) {
    t.diagnostic(`${w.weekStart}: ${w.questions} questions, feature_change ${w.intents["feature_change"] ?? 0}, unknown ${w.intents["unknown"] ?? 0}`);
    assert.equal(w.intents["unknown"], undefined, "every simulated chat carries its intent tag");
  }

  const quiet = detectDrift(w0, w1);
  const drifted = detectDrift(w1, w2);
  const vsFirst = detectDrift(w0, w2);
  for (const [name, r] of [["week 1 vs 0", quiet], ["week 2 vs 1", drifted], ["week 2 vs 0", vsFirst]] as const) {
    t.diagnostic(`${name}: PSI ${r.psi?.toFixed(4)}, retrain ${r.retrain}; alerts: ${r.alerts.map((a) => a.message).join(" | ") || "none"}; watch: ${r.watch.length}`);
  }
  // Before the change: the mix is stable (sampling noise only), no intent alert.
  assert.ok(quiet.psi !== null && quiet.psi < 0.1, `pre-drift PSI ${quiet.psi}`);
  assert.ok(!quiet.alerts.some((a) => a.kind === "intent_mix"));
  assert.ok(!quiet.watch.some((a) => a.kind === "intent_mix"));
  // The week containing the drift day: the new intent (5 of its 7 days) moves the mix past 0.2.
  const alert = drifted.alerts.find((a) => a.kind === "intent_mix");
  assert.ok(alert, "intent_mix alert in the drift week");
  assert.equal(alert.key, "feature_change");
  assert.ok(drifted.psi! > 0.2);
  assert.equal(drifted.retrain, "yes");
  assert.ok(vsFirst.alerts.some((a) => a.kind === "intent_mix"));
  // The new intent is about 12% of traffic from the drift day: 5/7 of that over the week.
  const share = (w2.intents["feature_change"] ?? 0) / w2.questions;
  assert.ok(share > 0.06 && share < 0.11, `feature_change share ${share}`);

  // RLHF fit over the three weeks: the summary's split matches what the config implies for these votes.
  const codes: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const w of weeks) {
    for (const [k, v] of Object.entries(w.thumbsDown.codes)) codes[k] = (codes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(w.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  }
  const fit = rlhfFitSummary(codes, { questions: weeks.reduce((s, w) => s + w.questions, 0), counts: outcomes });
  const implied = impliedPref / impliedTotal;
  t.diagnostic(`implied preference share ${implied.toFixed(4)}; observed ${fit.preferenceShare?.estimate.toFixed(4)} [${fit.preferenceShare?.low.toFixed(4)}, ${fit.preferenceShare?.high.toFixed(4)}]; ${fit.message}`);
  const expected = implied >= 0.6 ? "rlhf_fits" : implied <= 0.3 ? "fix_capability_first" : "mixed";
  assert.equal(expected, "rlhf_fits", "the default world's mix is mostly preference-shaped");
  assert.equal(fit.recommendation, expected);
  assert.equal(fit.confident, true);
  assert.ok(Math.abs(fit.preferenceShare!.estimate - implied) < 0.03, `observed ${fit.preferenceShare!.estimate} vs implied ${implied}`);
  assert.deepEqual(fit.otherCodes, [], "every simulated code is in the taxonomy");
});
