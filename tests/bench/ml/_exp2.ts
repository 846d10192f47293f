import * as ort from "onnxruntime-node";
import { GraphBuilder, exportModel, floatTensor, int64Tensor, Prng, createSession } from "@rlhf-loop/ml";
const threads = Number(process.env.T ?? 2);
async function time(name: string, fn: () => Promise<unknown>, n = 40) {
  await fn(); await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  console.log(name.padEnd(44), ((performance.now() - t0) / n).toFixed(3), "ms");
}
const V = 32768, D = 32, N = 512, L = 128;
const rng = new Prng(1);
const tdata = Float32Array.from({ length: V * D }, () => rng.normal());
const idsArr = Array.from({ length: N * L }, () => 1 + rng.int(V - 1));
const ids = int64Tensor(idsArr, [N * L]);
{ // Unique
  const b = new GraphBuilder("float32");
  const i = b.input("i", "int64", [N * L]);
  const u = b.emit("Unique", [i], { dtype: "int64", shape: ["U"] }, { sorted: { kind: "int", value: 0 } });
  const s = await createSession(exportModel(b, { name: "u", inputs: [i], outputs: [["u", u]] }).bytes, { threads });
  await time("Unique sorted=0 (65536 ids)", () => s.run({ i: ids }));
  const r = await s.run({ i: ids });
  console.log("U =", r["u"]!.dims);
}
{
  const b = new GraphBuilder("float32");
  const i = b.input("i", "int64", [N * L]);
  const u = b.emit("Unique", [i], { dtype: "int64", shape: ["U"] }, { sorted: { kind: "int", value: 1 } });
  const s = await createSession(exportModel(b, { name: "u", inputs: [i], outputs: [["u", u]] }).bytes, { threads });
  await time("Unique sorted=1 (65536 ids)", () => s.run({ i: ids }));
}
{ // in-place scatter
  const b = new GraphBuilder("float32");
  const t = b.input("t", "float32", [V, D]);
  const u = b.input("u", "int64", ["U", 1]);
  const r = b.input("r", "float32", ["U", D]);
  const o = b.emit("ScatterND", [t, u, r], { dtype: "float32", shape: [V, D] });
  const s = await createSession(exportModel(b, { name: "s", inputs: [t, u, r], outputs: [["o", o]] }).bytes, { threads });
  const U = 1000;
  const uniq = int64Tensor(Array.from({ length: U }, (_, k) => k * 7), [U, 1]);
  const rows = floatTensor(Float32Array.from({ length: U * D }, () => 42), [U, D]);
  const table = new ort.Tensor("float32", tdata.slice(), [V, D]);
  const other = new ort.Tensor("float32", new Float32Array(V * D), [V, D]);
  await time("ScatterND 1000 rows -> JS out", () => s.run({ t: table, u: uniq, r: rows }));
  await time("ScatterND 1000 rows -> prealloc other", () => s.run({ t: table, u: uniq, r: rows }, { o: other }));
  await time("ScatterND 1000 rows -> prealloc aliased", () => s.run({ t: table, u: uniq, r: rows }, { o: table }));
  const fresh = new ort.Tensor("float32", tdata.slice(), [V, D]);
  const res = await s.run({ t: fresh, u: uniq, r: rows }, { o: fresh });
  const fd = fresh.data as Float32Array;
  console.log("aliased result ok:", fd[0] === 42, fd[7 * D] === 42, fd[D] === tdata[D], "returned same buffer:", (res["o"]!.data as Float32Array).buffer === fd.buffer);
}
