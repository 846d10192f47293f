import assert from "node:assert/strict";
import { test } from "node:test";
import { stratifiedSample } from "./sampling.js";

function population(): { intent: string; segment: string }[] {
  const out: { intent: string; segment: string }[] = [];
  const add = (intent: string, segment: string, n: number) => {
    for (let i = 0; i < n; i++) out.push({ intent, segment });
  };
  add("refund", "smb", 600);
  add("refund", "enterprise", 200);
  add("reset", "smb", 150);
  add("rare", "smb", 3);
  add("ambiguous", "consumer", 47);
  return out;
}

test("each stratum gets its traffic share (largest remainder) and rare strata are kept", () => {
  const items = population();
  const idx = stratifiedSample(items, 100, 7);
  assert.equal(idx.length, 100);
  assert.equal(new Set(idx).size, 100);
  const counts = new Map<string, number>();
  for (const i of idx) counts.set(`${items[i]!.intent}/${items[i]!.segment}`, (counts.get(`${items[i]!.intent}/${items[i]!.segment}`) ?? 0) + 1);
  // Shares of 1,000: 60, 20, 15, 0.3 (floored up to 1), 4.7 -> 5 after the floor of one; 101 exact minus rounding.
  assert.equal(counts.get("rare/smb"), 1);
  assert.ok(Math.abs(counts.get("refund/smb")! - 60) <= 1, `refund/smb ${counts.get("refund/smb")}`);
  assert.ok(Math.abs(counts.get("refund/enterprise")! - 20) <= 1);
  assert.ok(Math.abs(counts.get("reset/smb")! - 15) <= 1);
  assert.ok(Math.abs(counts.get("ambiguous/consumer")! - 5) <= 1);
});

test("same seed, same sample; another seed, another sample; small pools are taken whole", () => {
  const items = population();
  assert.deepEqual(stratifiedSample(items, 50, 3), stratifiedSample(items, 50, 3));
  assert.notDeepEqual(stratifiedSample(items, 50, 3), stratifiedSample(items, 50, 4));
  assert.deepEqual(stratifiedSample(items.slice(0, 5), 10, 1), [0, 1, 2, 3, 4]);
  assert.deepEqual(stratifiedSample(items, 0, 1), []);
});
