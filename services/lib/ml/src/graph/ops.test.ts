// Every op's gradient rule against central finite differences (float64, h = 1e-5).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gradCheck, type GradCheckInput } from "../testing/gradcheck.js";
import type { GraphBuilder } from "./builder.js";
import type { Sym } from "./core.js";

async function check(inputs: readonly GradCheckInput[], build: (b: GraphBuilder, xs: Sym[]) => Sym, outShape?: number[]): Promise<void> {
  const r = await gradCheck({ inputs, build, ...(outShape ? { outShape } : {}) });
  assert.ok(r.worst <= 1, `gradient mismatch: worst scaled error ${r.worst}\nanalytic ${r.analytic.map((a) => Array.from(a).join(","))}\nnumeric  ${r.numeric.map((a) => Array.from(a).join(","))}`);
  // The check must see non-zero gradients, or it proves nothing.
  assert.ok(r.numeric.every((n) => n.some((v) => Math.abs(v) > 1e-6)), "some input got an all-zero gradient");
}

const away = (n: number, lo: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => (((i * 7919 + seed * 104729) % 97) / 97 + lo) * (i % 2 === 0 ? 1 : -1));

describe("gradient rules", () => {
  it("Gather with repeated ids (ScatterND add)", () =>
    check([{ name: "table", shape: [5, 3] }], (b, [t]) => b.gather(t!, b.constant("int64", [2, 3], BigInt64Array.from([1n, 3n, 1n, 0n, 4n, 1n])))));

  it("Gather of a computed tensor", () =>
    check([{ name: "x", shape: [3, 2] }], (b, [x]) => b.gather(b.tanh(x!), b.constant("int64", [4], BigInt64Array.from([2n, 0n, 2n, 2n])))));

  it("WeightedBag (batched MatMul forward, ScatterND add backward) for table and weights", () =>
    check([{ name: "table", shape: [5, 3] }, { name: "w", shape: [2, 4] }], (b, [t, w]) =>
      b.weightedBag(t!, b.constant("int64", [2, 4], BigInt64Array.from([1n, 3n, 1n, 0n, 4n, 1n, 1n, 2n])), w!)));

  it("PickLogSoftmax (fused log softmax and pick, repeated targets)", () =>
    check([{ name: "x", shape: [4, 5] }], (b, [x]) => b.pickLogSoftmax(x!, b.constant("int64", [4], BigInt64Array.from([2n, 0n, 2n, 4n]))).picked));

  it("MatMul", () => check([{ name: "a", shape: [3, 4] }, { name: "w", shape: [4, 2] }], (b, [a, w]) => b.matmul(a!, w!)));

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`Gemm transA=${transA} transB=${transB} with bias`, () =>
        check(
          [
            { name: "a", shape: transA ? [4, 3] : [3, 4] },
            { name: "w", shape: transB ? [2, 4] : [4, 2] },
            { name: "c", shape: [2] },
          ],
          (b, [a, w, c]) => b.gemm(a!, w!, c, { transA, transB }),
        ));
    }
  }

  it("Add with broadcasting", () =>
    check([{ name: "a", shape: [3, 4] }, { name: "b", shape: [4] }, { name: "c", shape: [3, 1] }], (b, [x, y, z]) => b.add(b.add(x!, y!), z!)));
  it("Sub with broadcasting", () =>
    check([{ name: "a", shape: [3, 1] }, { name: "b", shape: [2, 3, 4] }], (b, [x, y]) => b.sub(x!, y!)));
  it("Mul with broadcasting, and one input used twice", () =>
    check([{ name: "a", shape: [3, 4] }, { name: "b", shape: [1, 4] }], (b, [x, y]) => b.mul(b.mul(x!, y!), x!)));
  it("Div", () =>
    check([{ name: "a", shape: [2, 3] }, { name: "b", shape: [3], values: [1.5, -2.2, 3.1] }], (b, [x, y]) => b.div(x!, y!)));
  it("Min and Max", () =>
    check([{ name: "a", shape: [2, 3], values: away(6, 0.1, 1) }, { name: "b", shape: [2, 3], values: away(6, 0.2, 2).map((v) => -v) }], (b, [x, y]) =>
      b.add(b.min(x!, y!), b.mul(b.max(x!, y!), 2))));
  it("Neg", () => check([{ name: "a", shape: [4] }], (b, [x]) => b.neg(x!)));
  it("Exp", () => check([{ name: "a", shape: [4] }], (b, [x]) => b.exp(x!)));
  it("Log", () => check([{ name: "a", shape: [4], values: [0.3, 1.2, 2.5, 7] }], (b, [x]) => b.log(x!)));
  it("Sqrt", () => check([{ name: "a", shape: [4], values: [0.3, 1.2, 2.5, 7] }], (b, [x]) => b.sqrt(x!)));
  it("Tanh", () => check([{ name: "a", shape: [2, 3] }], (b, [x]) => b.tanh(x!)));
  it("Sigmoid", () => check([{ name: "a", shape: [2, 3] }], (b, [x]) => b.sigmoid(x!)));
  it("Relu", () => check([{ name: "a", shape: [8], values: away(8, 0.05, 3) }], (b, [x]) => b.relu(x!)));
  it("Clip", () =>
    check([{ name: "a", shape: [6], values: [-2, -0.5, 0.2, 0.7, 1.3, 3] }], (b, [x]) => b.mul(b.clip(x!, -1, 1), b.add(x!, 0))));
  it("LogSigmoid, stable at large magnitudes", () =>
    check([{ name: "a", shape: [6], values: [-30, -3, -0.4, 0.2, 4, 35] }], (b, [x]) => b.logSigmoid(x!)));
  it("Softmax (last axis and axis 0)", () =>
    check([{ name: "a", shape: [3, 4] }], (b, [x]) => b.add(b.softmax(x!, -1), b.softmax(x!, 0))));
  it("LogSoftmax (last axis and axis 0)", () =>
    check([{ name: "a", shape: [3, 4] }], (b, [x]) => b.add(b.logSoftmax(x!, -1), b.logSoftmax(x!, 0))));
  it("ReduceSum: axes, keepdims, all", () =>
    check([{ name: "a", shape: [2, 3, 4] }], (b, [x]) =>
      b.add(b.add(b.reduceSum(x!, [1]), b.reduceSum(b.reduceSum(x!, [0, 2], true), [1])), b.reduceSum(b.tanh(x!)))));
  it("ReduceMean: axes, keepdims, all", () =>
    check([{ name: "a", shape: [2, 3, 4] }], (b, [x]) =>
      b.add(b.add(b.reduceMean(x!, [1]), b.reduceMean(b.reduceMean(x!, [0, 2], true), [1])), b.reduceMean(b.tanh(x!)))));
  it("ReduceMean over a symbolic dim (runtime count)", () =>
    check([{ name: "a", shape: [5, 3], declared: ["N", 3] }], (b, [x]) => b.reduceMean(b.mul(x!, x!), [0], true), [1, 3]));
  it("Reshape and Unsqueeze", () =>
    check([{ name: "a", shape: [2, 3, 2] }], (b, [x]) => b.mul(b.unsqueeze(b.reshape(x!, [0, -1]), [1]), b.constant("float64", [2, 1, 6], Float64Array.from({ length: 12 }, (_, i) => i - 5)))));
  it("Reshape with a symbolic batch dim", () =>
    check([{ name: "a", shape: [4, 2, 3], declared: ["N", 2, 3] }], (b, [x]) => b.tanh(b.reshape(x!, [-1, 6], ["N", 6])), [4, 6]));
});
