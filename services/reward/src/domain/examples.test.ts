import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { smoothPairs, splitByPrompt, type TrainPair } from "./examples.js";
import { sigmoid } from "./stats.js";

describe("held-out split", () => {
  it("never puts one prompt in both splits and holds out about the asked share", () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ prompt: `prompt ${i % 500}`, i }));
    const s = splitByPrompt(items, 0.2, 7);
    const train = new Set(s.train.map((x) => x.prompt));
    for (const x of s.heldOut) assert.ok(!train.has(x.prompt), `${x.prompt} in both splits`);
    const share = new Set(s.heldOut.map((x) => x.prompt)).size / 500;
    assert.ok(share > 0.15 && share < 0.25, `held-out prompt share ${share}`);
    assert.deepEqual(splitByPrompt(items, 0.2, 7), s);
  });
});

describe("label smoothing as flipped pairs", () => {
  it("gives the smoothed Bradley–Terry loss and its derivative (finite differences)", () => {
    const p: TrainPair = { prompt: "q", chosen: "a", rejected: "b", weight: 2, source: "thumbs" };
    const eps = 0.1;
    const expanded = smoothPairs([p], { thumbs: eps });
    assert.equal(expanded.length, 2);
    const lossOf = (m: number): number =>
      expanded.reduce((s, x) => s + x.weight * -Math.log(sigmoid(x.chosen === "a" ? m : -m)), 0);
    const closed = (m: number): number => 2 * (-(1 - eps) * Math.log(sigmoid(m)) - eps * Math.log(sigmoid(-m)));
    for (const m of [-2, -0.3, 0, 0.7, 3]) {
      assert.ok(Math.abs(lossOf(m) - closed(m)) < 1e-12);
      const h = 1e-6;
      const fd = (lossOf(m + h) - lossOf(m - h)) / (2 * h);
      const analytic = 2 * (sigmoid(m) - (1 - eps)); // d/dm of the smoothed loss
      assert.ok(Math.abs(fd - analytic) < 1e-6, `m=${m}: ${fd} vs ${analytic}`);
    }
    assert.deepEqual(smoothPairs([p], { expert: 0.2 }), [p]);
  });
});
