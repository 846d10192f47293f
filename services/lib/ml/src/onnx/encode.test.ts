import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { createSession, floatData, floatTensor } from "../runtime/session.js";
import { encodeModel, IR_VERSION, OPSET } from "./encode.js";
import { ModelProtoSchema } from "./gen/onnx/onnx_subset_pb.js";
import { readModelMetadata } from "./metadata.js";

describe("ONNX encoding", () => {
  const bytes = encodeModel({
    name: "axpy",
    nodes: [
      { opType: "Mul", inputs: ["x", "a"], outputs: ["ax"], attrs: {} },
      { opType: "ReduceSum", inputs: ["ax", "axes"], outputs: ["y"], attrs: { keepdims: { kind: "int", value: 0 } } },
    ],
    inputs: [{ name: "x", dtype: "float32", shape: ["N", 3] }],
    outputs: [{ name: "y", dtype: "float32", shape: ["N"] }],
    initializers: [
      { name: "a", dtype: "float32", dims: [3], data: Float32Array.from([1, 2, 3]) },
      { name: "axes", dtype: "int64", dims: [1], data: BigInt64Array.from([1n]) },
    ],
    metadata: { "rlhf.kind": "test" },
  });

  it("writes the IR version and opset onnxruntime-node accepts, and runs there", async () => {
    const m = fromBinary(ModelProtoSchema, bytes);
    assert.equal(m.irVersion, BigInt(IR_VERSION));
    assert.equal(m.opsetImport[0]!.version, BigInt(OPSET));
    const s = await createSession(bytes, { threads: 1 });
    const out = floatData((await s.run({ x: floatTensor(Float32Array.from([1, 1, 1, 0, 1, 0]), [2, 3]) }))["y"]);
    assert.deepEqual(Array.from(out), [6, 2]);
    await s.release();
  });

  it("keeps metadata readable", () => {
    assert.deepEqual(readModelMetadata(bytes), { "rlhf.kind": "test" });
  });

  it("refuses an initializer whose data does not fit its dims", () => {
    assert.throws(
      () => encodeModel({ name: "bad", nodes: [], inputs: [], outputs: [], initializers: [{ name: "a", dtype: "float32", dims: [2], data: new Float32Array(3) }] }),
      /3 values for dims \[2\]/,
    );
  });
});
