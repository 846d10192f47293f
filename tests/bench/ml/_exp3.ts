import * as ort from "onnxruntime-node";
import { GraphBuilder, exportModel, floatTensor, Prng, createSession } from "@rlhf-loop/ml";
const threads = Number(process.env.T ?? 2);
async function time(name: string, fn: () => Promise<unknown>, n = 40) {
  await fn(); await fn();
  let best = Infinity, tot = 0;
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); const d = performance.now() - t0; tot += d; best = Math.min(best, d); }
  console.log(name.padEnd(44), "mean", (tot / n).toFixed(3), "min", best.toFixed(3), "ms");
}
const V = 32768, D = 32;
const rng = new Prng(1);
const big = () => new ort.Tensor("float32", Float32Array.from({ length: V * D }, () => rng.normal()), [V, D]);
{ // input only: sum of table -> scalar
  const b = new GraphBuilder("float32");
  const t = b.input("t", "float32", [V, D]);
  const s = await createSession(exportModel(b, { name: "s", inputs: [t], outputs: [["o", b.reduceSum(t)]] }).bytes, { threads });
  const x = big();
  await time("reduceSum(4MB input) -> scalar", () => s.run({ t: x }));
  const b2 = new GraphBuilder("float32");
  const t2 = b2.input("t", "float32", [4, 4]);
  const s2 = await createSession(exportModel(b2, { name: "s", inputs: [t2], outputs: [["o", b2.reduceSum(t2)]] }).bytes, { threads });
  const y = new ort.Tensor("float32", new Float32Array(16), [4, 4]);
  await time("reduceSum(tiny) -> scalar (run overhead)", () => s2.run({ t: y }));
  const b3 = new GraphBuilder("float32");
  const t3 = b3.input("t", "float32", [V, D]);
  const s3 = await createSession(exportModel(b3, { name: "s", inputs: [t3], outputs: [["o", b3.neg(t3)]] }).bytes, { threads });
  await time("neg(4MB) -> 4MB out", () => s3.run({ t: x }));
}
{ // dense AdamW chain on 1M params, minimal op count
  const b = new GraphBuilder("float32");
  const [p, m, v, g] = ["p", "m", "v", "g"].map((n) => b.input(n, "float32", [V, D]));
  const g2 = b.mul(g!, g!);
  const ss = b.reduceSum(g2);
  const m2 = b.add(b.mul(m!, 0.9), b.mul(g!, 0.1));
  const v2 = b.add(b.mul(v!, 0.999), b.mul(g2, 0.001));
  const p2 = b.sub(p!, b.mul(b.div(m2, b.add(b.sqrt(v2), 1e-8)), 0.001));
  const s = await createSession(exportModel(b, { name: "a", inputs: [p!, m!, v!, g!], outputs: [["p2", p2], ["m2", m2], ["v2", v2], ["ss", ss]] }).bytes, { threads });
  const f = { p: big(), m: big(), v: big(), g: big() };
  await time("AdamW chain 1M (14 ops), 3x4MB out", () => s.run(f));
  await time("AdamW chain 1M, fetch only ss", () => s.run(f, ["ss"]));
}
