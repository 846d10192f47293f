// AdamW in the training-step graph against a hand computation on three parameters, and LazyAdam on a
// small table.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { floatData, floatTensor, int64Tensor } from "../runtime/session.js";
import { freshOptimizerState, TrainingSession } from "../runtime/trainer.js";
import { GraphBuilder } from "./builder.js";
import type { Sym } from "./core.js";
import { buildTrainStep, type AdamWConfig, type TrainStepModel } from "./train-step.js";

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

// LazyAdam on a 5x2 table read through gather(ids): loss = 0.5 * sum_j |table[ids[j]] - x_j|^2.
describe("LazyAdam for embedding tables", () => {
  const adam: AdamWConfig = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0.3 };
  const table0 = [0.5, -0.2, 1, 0.3, -0.7, 0.9, 0.1, 0.4, -1.2, 0.6];
  // Step 1 touches rows 1 and 3 (row 1 twice), step 2 rows 0 and 3, step 3 row 1 only.
  const batches = [
    { ids: [1, 3, 1], x: [0.2, 0.1, -0.5, 0.4, 1, -1] },
    { ids: [0, 3], x: [1, 1, -1, 0.5] },
    { ids: [1], x: [-0.3, 0.8] },
  ];

  function model(lazy: boolean, metricReadsTable = false): TrainStepModel {
    const b = new GraphBuilder("float64");
    const ids = b.input("ids", "int64", ["K"]);
    const x = b.input("x", "float64", ["K", 2]);
    const t = b.param("table", [5, 2]);
    const d = b.sub(b.gather(t, ids), x);
    const loss = b.mul(b.reduceSum(b.mul(d, d)), 0.5);
    const metrics: Record<string, Sym> = metricReadsTable ? { table_sum: b.reduceSum(t) } : {};
    return buildTrainStep(b, { name: "lazy", batchInputs: [ids, x], params: [{ sym: t, decay: true, lazy }], loss, metrics, adam });
  }

  /** LazyAdam written out element by element: rows not in the batch keep p, m and v. */
  function handLazy(lr: number, lazy: boolean): number[][] {
    const p = [...table0];
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    const states: number[][] = [];
    batches.forEach(({ ids, x }, s) => {
      const t = s + 1;
      const g = p.map(() => 0);
      ids.forEach((id, j) => [0, 1].forEach((c) => (g[id * 2 + c]! += p[id * 2 + c]! - x[j * 2 + c]!)));
      const norm = Math.sqrt(g.reduce((a, gi) => a + gi * gi, 0));
      const scale = Math.min(1, adam.maxGradNorm / (norm + 1e-6));
      for (let r = 0; r < 5; r++) {
        if (lazy && !ids.includes(r)) continue;
        for (const c of [0, 1]) {
          const i = r * 2 + c;
          const gi = g[i]! * scale;
          m[i] = adam.beta1 * m[i]! + (1 - adam.beta1) * gi;
          v[i] = adam.beta2 * v[i]! + (1 - adam.beta2) * gi * gi;
          const mhat = m[i]! / (1 - adam.beta1 ** t);
          const vhat = v[i]! / (1 - adam.beta2 ** t);
          p[i] = p[i]! * (1 - lr * adam.weightDecay) - (lr * mhat) / (Math.sqrt(vhat) + adam.eps);
        }
      }
      states.push([...p]);
    });
    return states;
  }

  async function run(mdl: TrainStepModel, opts: { inPlace?: boolean } = {}): Promise<{ params: number[][]; metrics: number[] }> {
    const params = new Map([["table", { shape: [5, 2], data: Float64Array.from(table0) }]]);
    const t = await TrainingSession.create(mdl, { params, ...freshOptimizerState(params) }, { threads: 1, ...opts });
    const out: number[][] = [];
    const metrics: number[] = [];
    for (const { ids, x } of batches) {
      const r = await t.step({ ids: int64Tensor(ids, [ids.length]), x: floatTensor(Float64Array.from(x), [ids.length, 2]) }, 0.05);
      out.push(Array.from(t.state().params.get("table")!.data));
      metrics.push(r.metrics["table_sum"] ?? NaN);
    }
    await t.release();
    return { params: out, metrics };
  }

  it("updates only the touched rows, matching a hand computation step by step", async () => {
    const mdl = model(true);
    assert.deepEqual(mdl.lazy, [{ param: "table", rows: 5, ids: ["ids"] }]);
    const got = (await run(mdl)).params;
    const expected = handLazy(0.05, true);
    got.forEach((state, s) => state.forEach((w, i) => assert.ok(Math.abs(w - expected[s]![i]!) < 1e-12, `step ${s + 1} table[${i}] = ${w}, expected ${expected[s]![i]}`)));
    // Untouched rows keep their values exactly (row 2 never appears; row 1 sits out step 2).
    assert.deepEqual(got[2]!.slice(4, 6), table0.slice(4, 6));
    assert.deepEqual(got[1]!.slice(2, 4), got[0]!.slice(2, 4));
  });

  it("differs from dense AdamW, which moves every row every step (the test above can tell)", async () => {
    const dense = (await run(model(false))).params;
    const expected = handLazy(0.05, false);
    dense[2]!.forEach((w, i) => assert.ok(Math.abs(w - expected[2]![i]!) < 1e-12));
    const lazy = handLazy(0.05, true);
    assert.ok(Math.abs(dense[2]![4]! - lazy[2]![4]!) > 1e-4, "decay and momentum move untouched rows under dense AdamW");
  });

  it("writes in place only when every read of a weight precedes its update, with equal results", async () => {
    const safe = model(true);
    assert.equal(safe.inPlace, true);
    const a = await run(safe, { inPlace: true });
    const b = await run(safe, { inPlace: false });
    assert.deepEqual(a.params, b.params);
    // A metric reading the table is not an input of its update: the runtime may run it after the
    // update, so this step must not share buffers.
    const unsafe = model(true, true);
    assert.equal(unsafe.inPlace, false);
    const c = await run(unsafe);
    assert.deepEqual(c.params, a.params);
    const before = [table0, ...a.params.slice(0, 2)].map((p) => p.reduce((s, w) => s + w, 0));
    c.metrics.forEach((mv, s) => assert.ok(Math.abs(mv - before[s]!) < 1e-12, `step ${s + 1}: metric saw ${mv}, weights before it were ${before[s]}`));
  });

  it("refuses a table read other than by its rows, and ids outside the table", async () => {
    const b = new GraphBuilder("float64");
    const ids = b.input("ids", "int64", ["K"]);
    const t = b.param("table", [5, 2]);
    const loss = b.add(b.reduceSum(b.gather(t, ids)), b.reduceSum(b.mul(t, t)));
    assert.throws(() => buildTrainStep(b, { name: "x", batchInputs: [ids], params: [{ sym: t, decay: false, lazy: true }], loss, metrics: {}, adam }), /read by Mul/);
    const params = new Map([["table", { shape: [5, 2], data: Float64Array.from(table0) }]]);
    const tr = await TrainingSession.create(model(true), { params, ...freshOptimizerState(params) }, { threads: 1 });
    await assert.rejects(tr.step({ ids: int64Tensor([1, 5], [2]), x: floatTensor(new Float64Array(4), [2, 2]) }, 0.1), /ids\[1\] = 5 is not a row of "table"/);
    await tr.release();
  });
});
