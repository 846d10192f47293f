import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWorldConfig } from "../config/load.js";
import { renderAnswer } from "../bot/render.js";
import { sampleStylePlan } from "../bot/policy.js";
import { INTENT_IDS, type IntentId } from "../domain/intents.js";
import { renderPrompt, sampleSlots } from "../domain/prompts.js";
import { explainGold } from "../gold/gold.js";
import { judgePair, rubricApplied } from "../people/experts.js";
import { drawComparison } from "../people/raters.js";
import { Rng, sigmoid } from "../random/rng.js";
import { createWorld } from "../world/world.js";
import { expectedSigmoid, type PairSpec } from "./bayes.js";

const config = parseWorldConfig({ experts: { rubricChangeDay: 1, lagDays: 3 } });
const world = createWorld(config, 21);
const truth = world.truth();

function pairs(n: number, seed: string): PairSpec[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const intent = INTENT_IDS[i % INTENT_IDS.length] as IntentId;
    const slots = sampleSlots(intent, rng, config.policy);
    const prompt = renderPrompt(intent, slots, "consumer", rng, config.policy);
    const answer = () => renderAnswer(intent, slots, sampleStylePlan(config.bot.style, intent, rng), rng, config.policy).text;
    return { prompt, a: answer(), b: answer(), segment: rng.pick(["enterprise", "smb", "consumer"]) };
  });
}

void test("expectedSigmoid matches Monte Carlo and the sigmoid at zero noise", () => {
  assert.equal(expectedSigmoid(0.7, 0), sigmoid(0.7));
  assert.ok(Math.abs(expectedSigmoid(0, 2) - 0.5) < 1e-12);
  const rng = new Rng("mc");
  for (const [mu, sd] of [[1.2, 0.5], [-2, 1.5], [3, 3]] as const) {
    let s = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) s += sigmoid(mu + sd * rng.normal());
    assert.ok(Math.abs(expectedSigmoid(mu, sd) - s / n) < 0.003, `mu ${mu} sd ${sd}`);
  }
});

void test("end-user Bayes accuracy agrees with simulating the raters one by one", () => {
  const ps = pairs(24, "bayes-users");
  const res = world.bayesOptimalAccuracy(ps, "end_user");
  const rng = new Rng("bayes-users-mc");
  const draws = 4000;
  let accMc = 0;
  ps.forEach((pair, i) => {
    const seg = config.segments.find((s) => s.name === pair.segment)!;
    const members = truth.users.filter((u) => u.segment === pair.segment);
    // Users chat in proportion to activity: sample by binary search on the cumulative sums.
    const cumulative: number[] = [];
    members.reduce((sum, u) => (cumulative.push(sum + u.activity), sum + u.activity), 0);
    const pickUser = () => {
      const x = rng.float() * cumulative[cumulative.length - 1]!;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      return members[lo]!;
    };
    const ea = explainGold(pair.prompt, pair.a, config.policy);
    const eb = explainGold(pair.prompt, pair.b, config.policy);
    let wins = 0;
    for (let k = 0; k < draws; k++) {
      const user = pickUser();
      if (drawComparison(config, seg, user, ea, eb, rng).pickA) wins++;
    }
    const p = wins / draws;
    const se = Math.sqrt((p * (1 - p)) / draws) + 1e-3;
    assert.ok(Math.abs(res.pA[i]! - p) < 4 * se, `pair ${i}: analytic ${res.pA[i]} vs simulated ${p}`);
    accMc += Math.max(p, 1 - p);
  });
  assert.ok(Math.abs(res.accuracy - accMc / ps.length) < 0.02);
  assert.ok(res.accuracy >= res.goldAccuracy - 1e-12, "Bayes-optimal cannot lose to the gold predictor");
  assert.ok(res.accuracy > 0.5 && res.accuracy < 1);
});

void test("expert Bayes accuracy agrees with simulated judgements, and laggards change it", () => {
  const ps = pairs(30, "bayes-experts");
  const rng = new Rng("bayes-experts-mc");
  for (const day of [0, 2]) {
    const res = world.bayesOptimalAccuracy(ps, "expert", { day });
    ps.forEach((pair, i) => {
      const ea = explainGold(pair.prompt, pair.a, config.policy);
      const eb = explainGold(pair.prompt, pair.b, config.policy);
      let score = 0;
      const draws = 2000;
      for (let k = 0; k < draws; k++) {
        const expert = truth.experts[rng.int(truth.experts.length)]!;
        const j = judgePair(config, rubricApplied(config, expert, day), ea, eb, rng);
        score += j.choice === "a" ? 1 : j.choice === "tie" ? 0.5 : 0;
      }
      const p = score / draws;
      assert.ok(Math.abs(res.pA[i]! - p) < 4 * Math.sqrt((p * (1 - p)) / draws) + 0.004, `day ${day} pair ${i}: ${res.pA[i]} vs ${p}`);
    });
    // Experts are far less noisy than end users on the same pairs.
    assert.ok(res.accuracy > world.bayesOptimalAccuracy(ps, "end_user", { day }).accuracy);
  }
  // On day 2 two experts still apply rubric-v1 (until day 4): pairs that differ in a disclaimer or
  // a hedge get different label probabilities than once everyone uses rubric-v2.
  const lagWindow = world.bayesOptimalAccuracy(ps, "expert", { day: 2 }).pA;
  const settled = world.bayesOptimalAccuracy(ps, "expert", { day: 5 }).pA;
  assert.ok(lagWindow.some((p, i) => Math.abs(p - settled[i]!) > 0.05));
});
