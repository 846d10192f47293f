import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Contribution } from "./model.js";
import { capForHeavyShare, heavyShare, noWeightingPolicy, resolveTargets, weighPairs, type WeighablePair } from "./weighting.js";

const DAY = 86_400_000;
const c = (raterId: string, segment: string, weight: number, atMs = 0): Contribution => ({ raterId, segment, weight, atMs, source: "end_user", evidenceId: `${raterId}-${atMs}` });
const pair = (...contributions: Contribution[]): WeighablePair => ({ contributions, samplingWeight: 1 });

function sharesBy(pairs: readonly WeighablePair[], weights: number[][], key: (c: Contribution) => string): Map<string, number> {
  const m = new Map<string, number>();
  let total = 0;
  pairs.forEach((p, i) =>
    p.contributions.forEach((x, j) => {
      const w = weights[i]?.[j] ?? 0;
      m.set(key(x), (m.get(key(x)) ?? 0) + w);
      total += w;
    }),
  );
  for (const [k, v] of m) m.set(k, v / total);
  return m;
}

test("without a policy, weights are the raw weights scaled to average 1", () => {
  const pairs = [pair(c("a", "s", 1)), pair(c("b", "s", 3))];
  const r = weighPairs(pairs, noWeightingPolicy);
  assert.deepEqual(r.pairWeights, [0.5, 1.5]);
});

test("a rater's weight is capped per window, not overall", () => {
  const pairs = [
    ...Array.from({ length: 10 }, (_, i) => pair(c("heavy", "s", 1, i))), // 10 on day 0
    pair(c("heavy", "s", 1, DAY + 1)), // 1 on day 1
    pair(c("light", "s", 1, 5)),
  ];
  const r = weighPairs(pairs, { ...noWeightingPolicy, raterCapPerWindow: 2, raterWindowMs: DAY });
  assert.equal(r.windowsCapped, 1);
  // day 0: 10 votes share a cap of 2 (0.2 each); day 1 keeps 1; light keeps 1. Total 4 over 12 pairs.
  const scale = 12 / 4;
  assert.ok(Math.abs((r.pairWeights[0] as number) - 0.2 * scale) < 1e-12);
  assert.ok(Math.abs((r.pairWeights[10] as number) - 1 * scale) < 1e-12);
});

test("the heaviest 5% of raters end at or below the configured share", () => {
  // 40 raters: one casts 200 votes, the rest 2 each.
  const pairs: WeighablePair[] = [];
  for (let i = 0; i < 200; i++) pairs.push(pair(c("whale", "s", 1, i)));
  for (let r = 0; r < 39; r++) for (let i = 0; i < 2; i++) pairs.push(pair(c(`r${r}`, "s", 1, i)));
  const before = heavyShare(new Map([["whale", 200], ...Array.from({ length: 39 }, (_, r) => [`r${r}`, 2] as [string, number])]), 0.05);
  const r = weighPairs(pairs, { ...noWeightingPolicy, heavyShareMax: 0.2, heavyFraction: 0.05 });
  assert.ok(Math.abs(r.heavyShareBefore - before) < 1e-12);
  assert.ok(r.heavyShareBefore > 0.7);
  assert.ok(r.heavyShareAfter <= 0.2 + 1e-9, `after ${r.heavyShareAfter}`);
  assert.ok(r.heavyShareAfter > 0.19, "the cap should not cut deeper than needed");
  // Independent check from the returned contribution weights.
  const byRater = sharesBy(pairs, r.contributionWeights, (x) => x.raterId);
  const top2 = [...byRater.values()].sort((a, b) => b - a).slice(0, 2).reduce((s, x) => s + x, 0);
  assert.ok(top2 <= 0.2 + 1e-9);
});

test("outcome signals are not people: caps and the heavy share leave them alone", () => {
  const pairs = Array.from({ length: 50 }, (_, i) => pair(c("outcome:escalation", "s", 1, i), c(`u${i}`, "s", 1, i)));
  const r = weighPairs(pairs, { ...noWeightingPolicy, raterCapPerWindow: 1, heavyShareMax: 0.2 });
  assert.equal(r.windowsCapped, 0);
  assert.ok(r.pairWeights.every((w) => Math.abs(w - 1) < 1e-12));
});

test("segments are reweighted toward the target mix; unlisted segments share the rest", () => {
  const pairs: WeighablePair[] = [];
  for (let i = 0; i < 80; i++) pairs.push(pair(c(`c${i}`, "consumer", 1)));
  for (let i = 0; i < 15; i++) pairs.push(pair(c(`e${i}`, "enterprise", 1)));
  for (let i = 0; i < 5; i++) pairs.push(pair(c(`s${i}`, "smb", 1)));
  const r = weighPairs(pairs, { ...noWeightingPolicy, segmentTargets: { consumer: 0.4, enterprise: 0.4 } });
  const shares = sharesBy(pairs, r.contributionWeights, (x) => x.segment);
  assert.ok(Math.abs((shares.get("consumer") ?? 0) - 0.4) < 1e-3);
  assert.ok(Math.abs((shares.get("enterprise") ?? 0) - 0.4) < 1e-3);
  assert.ok(Math.abs((shares.get("smb") ?? 0) - 0.2) < 1e-3);
});

test("a segment factor is bounded so a few votes never speak for a whole segment", () => {
  const pairs = [...Array.from({ length: 1000 }, (_, i) => pair(c(`c${i}`, "big", 1))), pair(c("lonely", "tiny", 1))];
  const r = weighPairs(pairs, { ...noWeightingPolicy, segmentTargets: { big: 0.5, tiny: 0.5 }, maxSegmentFactor: 10 });
  const shares = sharesBy(pairs, r.contributionWeights, (x) => x.segment);
  assert.ok((shares.get("tiny") ?? 0) < 0.2, `tiny share ${shares.get("tiny")}`);
});

test("caps and segment targets together: the cap holds exactly, the mix closely", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom("a", "b", "c"), fc.double({ min: 0.1, max: 3, noNaN: true })), { minLength: 30, maxLength: 300 }), (rows) => {
      // Rater 0 is a heavy clicker: it takes every third row.
      const pairs = rows.map(([r, seg, w], i) => pair(c(i % 3 === 0 ? "r0" : `r${r}`, seg, w, i)));
      const r = weighPairs(pairs, { ...noWeightingPolicy, heavyShareMax: 0.3, heavyFraction: 0.05, segmentTargets: { a: 0.5 } });
      const byRater = sharesBy(pairs, r.contributionWeights, (x) => x.raterId);
      const people = [...byRater.values()].sort((x, y) => y - x);
      const k = Math.max(1, Math.ceil(0.05 * people.length));
      const top = people.slice(0, k).reduce((s, x) => s + x, 0);
      const achievable = k / people.length;
      return top <= Math.max(0.3, achievable) + 1e-6;
    }),
    { seed: 3, numRuns: 100 },
  );
});

test("capForHeavyShare finds the largest cap that holds the share", () => {
  const totals = [100, 10, 10, 10, 10, 10, 10, 10, 10, 10];
  const cap = capForHeavyShare(totals, 1, 0.2) as number;
  // top/(top+90) = 0.2 -> top = 22.5
  assert.ok(Math.abs(cap - 22.5) < 1e-6);
  // 100 / 190 = 0.53 already holds a 0.6 bound: no cap needed.
  assert.equal(capForHeavyShare(totals, 1, 0.6), undefined);
});

test("an unreachable heavy-share bound levels raters instead of zeroing them", () => {
  // Two raters: the top one always holds at least half.
  const pairs = [pair(c("u1", "s", 1)), pair(c("u1", "s", 1)), pair(c("u2", "s", 0.5))];
  const r = weighPairs(pairs, { ...noWeightingPolicy, heavyShareMax: 0.25 });
  assert.ok(r.pairWeights.every((w) => Number.isFinite(w) && w > 0), JSON.stringify(r.pairWeights));
  assert.ok(Math.abs(r.heavyShareAfter - 0.5) < 1e-9);
  assert.ok(Math.abs(r.pairWeights.reduce((s, w) => s + w, 0) - 3) < 1e-9);
});

test("resolveTargets scales listed targets when nothing else is present", () => {
  const t = resolveTargets(new Map([["a", 10], ["b", 30]]), { a: 0.2, b: 0.2, ghost: 0.6 });
  assert.ok(Math.abs((t.get("a") ?? 0) - 0.5) < 1e-12);
  assert.ok(Math.abs((t.get("b") ?? 0) - 0.5) < 1e-12);
});
