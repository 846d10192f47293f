/**
 * Issue 4 evidence on the simulated product (fixed seeds): the pair set agrees with the hidden
 * gold utility more once rater caps and segment reweighting are on than with raw weights, and
 * the heaviest 5% of users end at or below the configured share of the weight. Both figures are
 * printed. (Kappa and alpha against published worked examples: services/labeling
 * src/domain/agreement.test.ts; a rubric change pausing collection: review.test.ts and
 * review-page.test.ts.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultSignalPolicy, heavyShare, noWeightingPolicy, weighPairs, type WeightingPolicy } from "@rlhf-loop/labeling";
import { goldAgreement, simPairs } from "./sim-evidence.js";

const DAYS = 7;
const HEAVY_SHARE_MAX = 0.25;

/** The configured policy under test: 3 weight units per rater per day, heaviest 5% at most 25%, segments equal. */
const policy: WeightingPolicy = {
  ...noWeightingPolicy,
  raterCapPerWindow: 3,
  raterWindowMs: 86_400_000,
  heavyShareMax: HEAVY_SHARE_MAX,
  heavyFraction: 0.05,
  segmentTargets: { enterprise: 1 / 3, smb: 1 / 3, consumer: 1 / 3 },
};

for (const seed of [42, 7]) {
  test(`seed ${seed}: caps and reweighting raise agreement with gold, and the heaviest 5% hold at most ${HEAVY_SHARE_MAX}`, async () => {
    const started = performance.now();
    const { pairs, gold, heavyUsers, events, builder } = await simPairs(seed, DAYS, defaultSignalPolicy);
    assert.ok(pairs.length > 3000, `pairs ${pairs.length}`);
    assert.equal(builder.stats.pending, 0);

    const raw = weighPairs(pairs, noWeightingPolicy);
    const weighed = weighPairs(pairs, policy);
    const without = goldAgreement(pairs, raw.pairWeights, gold);
    const withCaps = goldAgreement(pairs, weighed.pairWeights, gold);

    // Heaviest 5% of the people, recomputed here from the final contribution weights.
    const byRater = new Map<string, number>();
    pairs.forEach((p, i) => p.contributions.forEach((c, j) => byRater.set(c.raterId, (byRater.get(c.raterId) ?? 0) + (weighed.contributionWeights[i]?.[j] ?? 0))));
    const rawByRater = new Map<string, number>();
    pairs.forEach((p) => p.contributions.forEach((c) => rawByRater.set(c.raterId, (rawByRater.get(c.raterId) ?? 0) + c.weight)));
    const after = heavyShare(byRater, 0.05);
    const before = heavyShare(rawByRater, 0.05);
    // The simulator's own heavy clickers (its top 5% by activity) lose their grip too.
    const simHeavy = (m: Map<string, number>) => {
      let h = 0;
      let all = 0;
      for (const [r, w] of m) {
        if (r.startsWith("outcome:")) continue;
        all += w;
        if (heavyUsers.has(r)) h += w;
      }
      return h / all;
    };

    console.log(
      `seed ${seed}, ${DAYS} days, ${events} events, ${pairs.length} pairs: agreement with gold ${without.toFixed(4)} raw -> ${withCaps.toFixed(4)} with caps + reweighting; ` +
        `heaviest 5% of raters ${before.toFixed(3)} -> ${after.toFixed(3)} (max ${HEAVY_SHARE_MAX}); simulator's heavy users ${simHeavy(rawByRater).toFixed(3)} -> ${simHeavy(byRater).toFixed(3)}; ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.ok(withCaps > without, `agreement with caps ${withCaps} must beat raw ${without}`);
    assert.ok(before > HEAVY_SHARE_MAX, "the raw stream is dominated by heavy clickers (else the test shows nothing)");
    assert.ok(after <= HEAVY_SHARE_MAX + 1e-9, `heaviest 5% hold ${after}`);
    assert.ok(Math.abs(weighed.heavyShareAfter - after) < 1e-9);
  });
}
