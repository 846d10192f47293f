// AdamW in the training-step graph against a hand computation on three parameters.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { floatData, floatTensor } from "../runtime/session.js";
import { freshOptimizerState, TrainingSession } from "../runtime/trainer.js";
import { GraphBuilder } from "./builder.js";
import { buildTrainStep, type AdamWConfig } from "./train-step.js";

// loss = 0.5 * sum((w - x)^2), so the gradient is w - x.
async function trainer(adam: AdamWConfig, w0: number[]): Promise<TrainingSession> {
  const b = new GraphBuilder("float64");
  const x = b.input("x", "float64", [3]);
  const w = b.param("w", [3]);
  const d = b.sub(w, x);
  const loss = b.mul(b.reduceSum(b.mul(d, d)), 0.5);
  const model = buildTrainStep(b, { name: "adam3", batchInputs: [x], params: [{ sym: w, decay: true }], loss, metrics: {}, adam });
  const params = new Map([["w", { shape: [3], data: Float64Array.from(w0) }]]);
  return TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
}

/** The same update written out element by element (PyTorch AdamW with clip_grad_norm_). */
function handAdam(adam: AdamWConfig, w: number[], x: number[], lr: number, steps: number): number[] {
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  let p = [...w];
  for (let t = 1; t <= steps; t++) {
    const g = p.map((pi, i) => pi - x[i]!);
    const norm = Math.sqrt(g.reduce((s, gi) => s + gi * gi, 0));
    const scale = adam.maxGradNorm > 0 ? Math.min(1, adam.maxGradNorm / (norm + 1e-6)) : 1;
    p = p.map((pi, i) => {
      const gi = g[i]! * scale;
      m[i] = adam.beta1 * m[i]! + (1 - adam.beta1) * gi;
      v[i] = adam.beta2 * v[i]! + (1 - adam.beta2) * gi * gi;
      const mhat = m[i]! / (1 - adam.beta1 ** t);
      const vhat = v[i]! / (1 - adam.beta2 ** t);
      return pi * (1 - lr * adam.weightDecay) - (lr * mhat) / (Math.sqrt(vhat) + adam.eps);
    });
  }
  return p;
}

describe("AdamW in the training step", () => {
  const x = [0.5, -1, 2];
  const w0 = [1, 1, 1];
  const adam: AdamWConfig = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0 };

  it("first step: every weight moves by lr against the sign of its gradient, after decay", async () => {
    const t = await trainer(adam, w0);
    const r = await t.step({ x: floatTensor(Float64Array.from(x), [3]) }, 0.01);
    const w = t.state().params.get("w")!.data;
    // g = [0.5, 2, -1]; m̂/sqrt(v̂) = g/|g| on the first step.
    const expected = [1 * (1 - 0.001) - 0.01, 1 * (1 - 0.001) - 0.01, 1 * (1 - 0.001) + 0.01];
    expected.forEach((e, i) => assert.ok(Math.abs(w[i]! - e) < 1e-9, `w[${i}] = ${w[i]} expected ${e}`));
    assert.ok(Math.abs(r.loss - 0.5 * (0.25 + 4 + 1)) < 1e-12);
    assert.ok(Math.abs(r.gradNorm - Math.sqrt(0.25 + 4 + 1)) < 1e-12);
    await t.release();
  });

  for (const clip of [0, 0.5]) {
    it(`five steps match the hand computation (clip ${clip || "off"})`, async () => {
      const cfg = { ...adam, maxGradNorm: clip };
      const t = await trainer(cfg, w0);
      for (let i = 0; i < 5; i++) await t.step({ x: floatTensor(Float64Array.from(x), [3]) }, 0.05);
      const s = t.state();
      const expected = handAdam(cfg, w0, x, 0.05, 5);
      const w = s.params.get("w")!.data;
      expected.forEach((e, i) => assert.ok(Math.abs(w[i]! - e) < 1e-12, `w[${i}] = ${w[i]} expected ${e}`));
      assert.equal(s.step, 5);
      await t.release();
    });
  }

  it("clipping changes the trajectory (the test above can tell)", () => {
    const a = handAdam({ ...adam, maxGradNorm: 0 }, w0, x, 0.05, 5);
    const b = handAdam({ ...adam, maxGradNorm: 0.5 }, w0, x, 0.05, 5);
    assert.ok(Math.abs(a[0]! - b[0]!) > 1e-4);
  });

  it("returns new tensors and leaves the caller's arrays alone", async () => {
    const init = Float64Array.from(w0);
    const b = new GraphBuilder("float64");
    const xin = b.input("x", "float64", [3]);
    const w = b.param("w", [3]);
    const d = b.sub(w, xin);
    const model = buildTrainStep(b, { name: "a", batchInputs: [xin], params: [{ sym: w, decay: false }], loss: b.reduceSum(b.mul(d, d)), metrics: {}, adam });
    const params = new Map([["w", { shape: [3], data: init }]]);
    const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
    const r = await t.step({ x: floatTensor(Float64Array.from(x), [3]) }, 0.1, { keepOutputs: true });
    assert.deepEqual(Array.from(init), w0);
    assert.ok(floatData(r.outputs!["new.w"]).every((v, i) => v !== w0[i]));
    await t.release();
  });
});
