import { GraphBuilder, gradients, exportModel, createSession, floatTensor, int64Tensor, Prng } from "../src/index.js";
import { embeddingBag } from "../src/models/pooling.js";
const V = 32768, D = 64, N = 512, L = 128;
const rng = new Prng(1);
const ids = int64Tensor(Array.from({ length: N * L }, () => rng.int(V)), [N, L]);
const mask = floatTensor(new Float32Array(N * L).fill(1), [N, L]);
const table = floatTensor(Float32Array.from({ length: V * D }, () => rng.normal()), [V, D]);
for (const variant of ["mul-reduce", "weighted-bag"]) {
  const b = new GraphBuilder("float32");
  const t = b.param("table", [V, D]);
  const i = b.input("ids", "int64", ["N", "L"]);
  const m = b.input("mask", "float32", ["N", "L"]);
  let pooled;
  if (variant === "mul-reduce") pooled = embeddingBag(b, t, i, m);
  else pooled = b.weightedBag(t, i, b.div(m, b.max(b.reduceSum(m, [1], true), 1)));
  const loss = b.reduceSum(b.tanh(pooled));
  const [g] = gradients(b, loss, [t]);
  const s = await createSession(exportModel(b, { name: "x", inputs: [i, m, t], outputs: [["loss", loss], ["g", g!]] }).bytes);
  const feeds = { ids, mask, table };
  for (let k = 0; k < 3; k++) await s.run(feeds);
  const t0 = performance.now();
  for (let k = 0; k < 10; k++) await s.run(feeds);
  console.log(variant, ((performance.now() - t0) / 10).toFixed(2), "ms");
}
