// onnxruntime's CPU ScatterND with reduction="add" splits its index list across the intra-op threads
// with no synchronisation, so two threads adding into the same row can lose an update (and the
// summation order, hence the rounding, varies from run to run). The gradient of every gather and
// embedding bag is such a scatter. This shows it with sums of small integers (exact in float32):
// `node --import tsx tests/bench/ml/scatter-race.ts [--runs N]`
import { createSession, exportModel, floatData, floatTensor, GraphBuilder, int64Tensor, Prng } from "@rlhf-loop/ml";

const args = process.argv.slice(2);
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 100;
const rows = 4;
const width = 32;
const k = 65536; // index rows, as many as the reward benchmark's 256 pairs x 128 ids
const rng = new Prng(3);
const ids = Array.from({ length: k }, () => rng.int(rows));
const updates = Float32Array.from({ length: k * width }, () => 1 + rng.int(3));
const exact = new Float64Array(rows * width);
ids.forEach((id, i) => {
  for (let d = 0; d < width; d++) exact[id * width + d] = exact[id * width + d]! + updates[i * width + d]!;
});
for (const threads of [1, 2]) {
  const b = new GraphBuilder("float32");
  const data = b.input("data", "float32", [rows, width]);
  const idx = b.input("idx", "int64", [k, 1]);
  const upd = b.input("upd", "float32", [k, width]);
  const out = b.emit("ScatterND", [data, idx, upd], { dtype: "float32", shape: [rows, width] }, { reduction: { kind: "string", value: "add" } });
  const s = await createSession(exportModel(b, { name: "scatter_add", inputs: [data, idx, upd], outputs: [["out", out]] }).bytes, { threads });
  const feeds = { data: floatTensor(new Float32Array(rows * width), [rows, width]), idx: int64Tensor(ids, [k, 1]), upd: floatTensor(updates, [k, width]) };
  let wrong = 0;
  let lost = 0;
  for (let r = 0; r < runs; r++) {
    const got = floatData((await s.run(feeds))["out"]);
    let missing = 0;
    got.forEach((v, i) => (missing += exact[i]! - v));
    if (missing !== 0) wrong++;
    lost = Math.max(lost, missing);
  }
  await s.release();
  console.log(`${threads} intra-op thread(s): ${wrong}/${runs} runs lost updates (largest total lost: ${lost})`);
}
