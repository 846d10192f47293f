import * as ort from "onnxruntime-node";
import { GraphBuilder, exportModel, Prng, createSession } from "@rlhf-loop/ml";
const threads = Number(process.env.T ?? 2);
async function time(name: string, fn: () => Promise<unknown>, n = 60) {
  await fn(); await fn();
  let best = Infinity, tot = 0;
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); const d = performance.now() - t0; tot += d; best = Math.min(best, d); }
  console.log(name.padEnd(44), "mean", (tot / n).toFixed(3), "min", best.toFixed(3), "ms");
}
const V = 32768, D = 32;
const rng = new Prng(1);
const big = () => new ort.Tensor("float32", Float32Array.from({ length: V * D }, () => rng.normal()), [V, D]);
const b3 = new GraphBuilder("float32");
const t3 = b3.input("t", "float32", [V, D]);
const s3 = await createSession(exportModel(b3, { name: "s", inputs: [t3], outputs: [["o", b3.mul(t3, 1.0001)]] }).bytes, { threads });
const x = big(), y = big();
for (let rep = 0; rep < 2; rep++) {
  await time("mul(4MB) -> new JS output", () => s3.run({ t: x }));
  await time("mul(4MB) -> preallocated other", () => s3.run({ t: x }, { o: y }));
  await time("mul(4MB) -> aliased in place", () => s3.run({ t: x }, { o: x }));
  let [a, b] = [x, y];
  await time("mul(4MB) -> double buffer swap", async () => { await s3.run({ t: a }, { o: b }); [a, b] = [b, a]; });
}
const r = await s3.run({ t: x }, { o: y });
(y.data as Float32Array)[0] = 12345;
console.log("result aliases preallocated memory:", (r["o"]!.data as Float32Array)[0] === 12345);
