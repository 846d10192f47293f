import { GraphBuilder, exportModel, createSession, floatTensor, Prng } from "../src/index.js";
const N = 4096, V = 2000; const rng = new Prng(1);
const x = floatTensor(Float32Array.from({ length: N * V }, () => rng.normal()), [N, V]);
for (const op of ["ArgMax", "ReduceMax", "ReduceSum", "LogSoftmax", "Exp"]) {
  const b = new GraphBuilder("float32");
  const i = b.input("x", "float32", [N, V]);
  const y = op === "ArgMax" ? b.argmax(i, 1) : op === "LogSoftmax" ? b.emit("LogSoftmax", [i], { dtype: "float32", shape: [N, V] }, { axis: { kind: "int", value: 1 } }) : op === "Exp" ? b.emit("Exp", [i], { dtype: "float32", shape: [N, V] }) : b.emit(op, [i, b.int64s([1])], { dtype: "float32", shape: [N] }, { keepdims: { kind: "int", value: 0 } });
  const s = await createSession(exportModel(b, { name: "x", inputs: [i], outputs: [["y", y]] }).bytes);
  for (let k = 0; k < 3; k++) await s.run({ x });
  const t0 = performance.now(); for (let k = 0; k < 10; k++) await s.run({ x }); console.log(op, ((performance.now() - t0) / 10).toFixed(2), "ms");
}
