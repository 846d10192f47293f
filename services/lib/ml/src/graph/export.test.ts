import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema } from "../onnx/gen/onnx/onnx_subset_pb.js";
import { gradients } from "./autodiff.js";
import { GraphBuilder } from "./builder.js";
import { exportModel, matmulFlops } from "./export.js";

function small() {
  const b = new GraphBuilder("float32");
  const x = b.input("x", "float32", ["N", 4]);
  const w = b.param("w", [4, 3]);
  const y = b.tanh(b.matmul(x, w));
  const loss = b.reduceSum(b.mul(y, y));
  const [gw] = gradients(b, loss, [w]);
  return { b, x, w, y, loss, gw: gw! };
}

describe("export", () => {
  it("keeps only what the outputs need (the inference graph drops the backward pass)", () => {
    const { b, x, w, y, gw } = small();
    const inference = exportModel(b, { name: "inf", inputs: [x], outputs: [["y", y]], initializers: new Map([["w", new Float32Array(12)]]) });
    const training = exportModel(b, { name: "train", inputs: [x, w], outputs: [["g", gw]] });
    const nInf = fromBinary(ModelProtoSchema, inference.bytes).graph!.node.length;
    const nTrain = fromBinary(ModelProtoSchema, training.bytes).graph!.node.length;
    assert.equal(nInf, 2); // MatMul, Tanh (the output takes Tanh's name, no Identity)
    assert.ok(nTrain > nInf);
    assert.deepEqual(fromBinary(ModelProtoSchema, inference.bytes).graph!.initializer.map((t) => t.name), ["w"]);
    assert.equal(inference.matmuls.length, 1);
    assert.equal(training.matmuls.length, 2); // forward MatMul and the Gemm of its weight gradient
    assert.equal(matmulFlops(training.matmuls, { N: 10 }), 2 * (2 * 10 * 4 * 3));
  });

  it("says which input is missing", () => {
    const { b, x, y } = small();
    assert.throws(() => exportModel(b, { name: "inf", inputs: [x], outputs: [["y", y]] }), /need "w"/);
  });

  it("refuses an output name that is taken", () => {
    const { b, x, w, y } = small();
    assert.throws(() => exportModel(b, { name: "inf", inputs: [x, w], outputs: [["x", y]] }), /taken/);
  });
});
