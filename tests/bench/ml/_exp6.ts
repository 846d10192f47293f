import { GraphBuilder, exportModel, floatTensor, int64Tensor, createSession, floatData, Prng } from "@rlhf-loop/ml";
const rng = new Prng(3);
const K = 65536;
const ids = Array.from({ length: K }, () => rng.int(4));
const ups = Float32Array.from({ length: K * 32 }, () => rng.normal() * 10 ** rng.int(6));
for (const threads of [1, 2]) {
  const b = new GraphBuilder("float32");
  const t = b.input("t", "float32", [8, 32]);
  const i = b.input("i", "int64", ["K", 1]);
  const u = b.input("u", "float32", ["K", 32]);
  const o = b.emit("ScatterND", [t, i, u], { dtype: "float32", shape: [8, 32] }, { reduction: { kind: "string", value: "add" } });
  const s = await createSession(exportModel(b, { name: "s", inputs: [t, i, u], outputs: [["o", o]] }).bytes, { threads });
  const feeds = { t: floatTensor(new Float32Array(256), [8, 32]), i: int64Tensor(ids, [K, 1]), u: floatTensor(ups, [K, 32]) };
  const seen = new Set<string>();
  for (let r = 0; r < 200; r++) { const d = floatData((await s.run(feeds))["o"]); seen.add(Array.from(d.slice(0, 128)).join(",")); }
  console.log(`threads ${threads}: distinct results over 200 runs:`, seen.size);
}
