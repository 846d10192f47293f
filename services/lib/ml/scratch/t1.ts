import * as ort from "onnxruntime-node";
import { encodeModel } from "../src/onnx/encode.js";
const bytes = encodeModel({
  name: "t",
  nodes: [
    { opType: "MatMul", inputs: ["a", "b"], outputs: ["c"], attrs: {} },
    { opType: "ScatterND", inputs: ["z", "idx", "u"], outputs: ["s"], attrs: { reduction: { kind: "string", value: "add" } } },
    { opType: "ScatterElements", inputs: ["z", "idx2", "u2"], outputs: ["s2"], attrs: { axis: {kind:"int", value: 1}, reduction: { kind: "string", value: "add" } } },
    { opType: "Tanh", inputs: ["c"], outputs: ["th"], attrs: {} },
    { opType: "Clip", inputs: ["c", "lo", "hi"], outputs: ["cl"], attrs: {} },
    { opType: "LogSoftmax", inputs: ["c"], outputs: ["ls"], attrs: {axis: {kind:"int", value:-1}} },
    { opType: "ReduceMean", inputs: ["c", "ax"], outputs: ["rm"], attrs: {} },
    { opType: "Sigmoid", inputs: ["c"], outputs: ["sg"], attrs: {} },
  ],
  inputs: [
    { name: "a", dtype: "float64", shape: ["M", 2] },
    { name: "b", dtype: "float64", shape: [2, 2] },
    { name: "z", dtype: "float64", shape: [3, 2] },
    { name: "idx", dtype: "int64", shape: [2, 1] },
    { name: "u", dtype: "float64", shape: [2, 2] },
    { name: "idx2", dtype: "int64", shape: [3, 2] },
    { name: "u2", dtype: "float64", shape: [3, 2] },
  ],
  outputs: [{ name: "c", dtype: "float64", shape: ["M", 2] }, { name: "s", dtype: "float64", shape: [3, 2] }, { name: "s2", dtype: "float64", shape: [3, 2] },
   { name: "th", dtype: "float64", shape: ["M", 2] }, { name: "cl", dtype: "float64", shape: ["M", 2] }, { name: "ls", dtype: "float64", shape: ["M", 2] }, { name: "rm", dtype: "float64", shape: ["M", 1] }, { name: "sg", dtype: "float64", shape: ["M", 2] }],
  initializers: [{name:"lo", dtype:"float64", dims:[], data: new Float64Array([0.1])},{name:"hi", dtype:"float64", dims:[], data: new Float64Array([0.9])}, {name:"ax", dtype:"int64", dims:[1], data: new BigInt64Array([1n])}],
});
const s = await ort.InferenceSession.create(bytes);
const r = await s.run({
  a: new ort.Tensor("float64", new Float64Array([1, 2, 3, 4]), [2, 2]),
  b: new ort.Tensor("float64", new Float64Array([1, 0, 0, 1]), [2, 2]),
  z: new ort.Tensor("float64", new Float64Array(6), [3, 2]),
  idx: new ort.Tensor("int64", new BigInt64Array([1n, 1n]), [2, 1]),
  u: new ort.Tensor("float64", new Float64Array([1, 2, 3, 4]), [2, 2]),
  idx2: new ort.Tensor("int64", new BigInt64Array([0n, 0n, 1n,1n,0n,1n]), [3, 2]),
  u2: new ort.Tensor("float64", new Float64Array([1, 2, 3, 4,5,6]), [3, 2]),
});
for (const [k, v] of Object.entries(r)) console.log(k, v.type, v.dims, v.data);
