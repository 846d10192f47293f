import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_ADAMW, type AdamWConfig } from "../../graph/train-step.js";
import { policyCeStepReference, policyForwardReference, policyReferenceState } from "../../reference/policy.js";
import { createSession, floatData, floatTensor, int64Tensor } from "../../runtime/session.js";
import { freshOptimizerState, TrainingSession } from "../../runtime/trainer.js";
import { padIds } from "../../text/features.js";
import { detokenize } from "../../text/tokenize.js";
import { EOS, WordVocab } from "../../text/vocab.js";
import { trainStepGradCheck } from "../../testing/train-fd.js";
import { Prng } from "../../util/prng.js";
import { convertParams, initParams, type Params } from "../params.js";
import { policyRowFeeds, promptFeatureIds, windowAt, type PolicySequence } from "./policy-batch.js";
import { buildPolicyInference, buildPolicyScoring, buildPolicyTrainStep, policyParamDefs, type PolicyConfig } from "./policy-model.js";
import { generate } from "./sampling.js";

const tiny: PolicyConfig = {
  vocabSize: 6,
  window: 2,
  prompt: { buckets: 5, bigrams: false, maxFeatures: 8 },
  promptDim: 2,
  tokenDim: 2,
  hidden: 3,
};

function randomSeqs(rng: Prng, cfg: PolicyConfig, n: number): PolicySequence[] {
  return Array.from({ length: n }, (_, i) => ({
    promptIds: Array.from({ length: 1 + rng.int(3) }, () => 1 + rng.int(cfg.prompt.buckets - 1)),
    tokens: [...Array.from({ length: 1 + rng.int(3) }, () => 3 + rng.int(cfg.vocabSize - 3)), EOS],
    weight: 0.5 + i,
  }));
}

function scaled(params: Params, seed: number, scale: number): Params {
  const rng = new Prng(seed);
  for (const p of params.values()) for (let i = 0; i < p.data.length; i++) p.data[i] = rng.normal() * scale;
  return params;
}

describe("policy", () => {
  it("the inference graph equals the plain TypeScript forward pass within 1e-5", async () => {
    const cfg: PolicyConfig = { vocabSize: 50, window: 3, prompt: { buckets: 64, bigrams: true, maxFeatures: 16 }, promptDim: 8, tokenDim: 6, hidden: 20 };
    const params = scaled(initParams(policyParamDefs(cfg), 1), 2, 0.5);
    const rng = new Prng(3);
    const prompts = Array.from({ length: 12 }, () => Array.from({ length: rng.int(6) }, () => 1 + rng.int(63)));
    const windows = prompts.map(() => Array.from({ length: 3 }, () => rng.int(50)));
    const s = await createSession(buildPolicyInference(cfg, params).bytes, { threads: 1 });
    const p = padIds(prompts);
    const out = floatData(
      (await s.run({ prompt_ids: int64Tensor(p.ids, p.dims), prompt_mask: floatTensor(p.mask, p.dims), window: int64Tensor(windows.flat(), [12, 3]) }))["logits"],
    );
    const ref = policyForwardReference(cfg, params, prompts, windows);
    let maxErr = 0;
    ref.forEach((r, i) => (maxErr = Math.max(maxErr, Math.abs(r - out[i]!))));
    assert.ok(maxErr < 1e-5, `max |onnx - ts| = ${maxErr}`);
    assert.ok(Math.max(...Array.from(ref, Math.abs)) > 1, "logits too small to make the comparison meaningful");
    await s.release();
  });

  it("cross-entropy training step gradients match finite differences", async () => {
    const params = scaled(initParams(policyParamDefs(tiny), 1, "float64"), 4, 0.8);
    const model = buildPolicyTrainStep(tiny, { kind: "cross-entropy" }, DEFAULT_ADAMW, { floatType: "float64", exposeGradients: true });
    const feeds = policyRowFeeds(tiny, randomSeqs(new Prng(5), tiny, 3), { floatType: "float64" });
    const r = await trainStepGradCheck(model, params, feeds);
    assert.equal(r.checked, 5 * 2 + 6 * 2 + 4 * 3 + 2 * 3 + 3 + 3 * 6 + 6);
    assert.ok(r.worst <= 1, `worst scaled error ${r.worst}`);
  });

  for (const estimator of ["ppo", "reinforce"] as const) {
    it(`policy-gradient (${estimator}) training step gradients match finite differences`, async () => {
      const params = scaled(initParams(policyParamDefs(tiny), 1, "float64"), 6, 0.8);
      const seqs = randomSeqs(new Prng(7), tiny, 3);
      // Behaviour log-probs a little off the current ones, so PPO ratios fall inside and outside the
      // clip range (away from its edges, where the loss has kinks).
      const scoring = await createSession(buildPolicyScoring(tiny, params, "float64").bytes, { threads: 1 });
      const logp = floatData((await scoring.run(policyRowFeeds(tiny, seqs, { floatType: "float64", withWeight: false })))["logp"]);
      await scoring.release();
      const shifts = [0.5, -0.5, 0.05, -0.4, 0.6, 0.1, -0.05, 0.45, -0.6, 0.3];
      const rng = new Prng(8);
      let row = 0;
      const pgSeqs = seqs.map((s) => {
        const n = s.tokens.length;
        const old = Array.from({ length: n }, (_, t) => logp[row + t]! - shifts[(row + t) % shifts.length]!);
        const ref = Array.from({ length: n }, () => -1 - rng.next());
        const adv = Array.from({ length: n }, (_, t) => ((row + t) % 2 === 0 ? 1 : -1) * (0.5 + rng.next()));
        row += n;
        return { ...s, oldLogp: old, refLogp: ref, advantage: adv };
      });
      const model = buildPolicyTrainStep(tiny, { kind: "policy-gradient", estimator, clip: 0.2 }, DEFAULT_ADAMW, { floatType: "float64", exposeGradients: true });
      const feeds = policyRowFeeds(tiny, pgSeqs, { floatType: "float64", pg: { klCoef: 0.3 } });
      const r = await trainStepGradCheck(model, params, feeds);
      assert.ok(r.worst <= 1, `worst scaled error ${r.worst}`);
      assert.ok(r.maxAbsGrad > 1e-3);

      // The loss and metrics themselves, recomputed in TypeScript from the scored log-probs.
      let num = 0;
      let kl = 0;
      let clipped = 0;
      let wsum = 0;
      row = 0;
      for (const q of pgSeqs) {
        q.tokens.forEach((_, t) => {
          const lp = logp[row]!;
          const a = q.advantage[t]!;
          const ratio = Math.exp(lp - q.oldLogp[t]!);
          const pg = estimator === "ppo" ? -Math.min(ratio * a, Math.min(Math.max(ratio, 0.8), 1.2) * a) : -a * lp;
          const rr = q.refLogp[t]! - lp;
          const k3 = Math.exp(rr) - rr - 1;
          const w = q.weight ?? 1;
          num += w * (pg + 0.3 * k3);
          kl += w * k3;
          clipped += w * (Math.abs(ratio - 1) > 0.2 ? 1 : 0);
          wsum += w;
          row++;
        });
      }
      const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
      const res = await t.step(feeds, 0);
      await t.release();
      assert.ok(Math.abs(res.loss - num / wsum) < 1e-12, `loss ${res.loss} vs ${num / wsum}`);
      assert.ok(Math.abs(res.metrics["kl"]! - kl / wsum) < 1e-12);
      if (estimator === "ppo") {
        assert.ok(Math.abs(res.metrics["clip_fraction"]! - clipped / wsum) < 1e-12);
        assert.ok(clipped > 0 && clipped < wsum, "the batch should mix clipped and unclipped ratios");
      }
    });
  }

  it("one ONNX cross-entropy step equals the TypeScript step (float64)", async () => {
    const cfg: PolicyConfig = { vocabSize: 12, window: 3, prompt: { buckets: 16, bigrams: false, maxFeatures: 8 }, promptDim: 4, tokenDim: 3, hidden: 7 };
    const adam: AdamWConfig = { ...DEFAULT_ADAMW, weightDecay: 0.05, maxGradNorm: 0.5 };
    const params = scaled(initParams(policyParamDefs(cfg), 1, "float64"), 9, 0.5);
    params.get("b_out")!.data.fill(0); // so the most likely token varies from row to row
    const defs = policyParamDefs(cfg);
    const ref = policyReferenceState(convertParams(params, "float64"), (k) => defs.find((d) => d.name === k)!.decay);
    const seqs = randomSeqs(new Prng(10), cfg, 12);
    const t = await TrainingSession.create(buildPolicyTrainStep(cfg, { kind: "cross-entropy" }, adam, { floatType: "float64" }), { params, ...freshOptimizerState(params) }, { threads: 1 });
    // Token accuracy of the first step, from the TypeScript forward pass before any update.
    const rowPrompts = seqs.flatMap((q) => q.tokens.map(() => q.promptIds));
    const rowWindows = seqs.flatMap((q) => q.tokens.map((_, j) => windowAt(q.tokens, j, cfg.window)));
    const targets = seqs.flatMap((q) => q.tokens.map((tok) => ({ tok, w: q.weight ?? 1 })));
    const logits0 = policyForwardReference(cfg, ref.params, rowPrompts, rowWindows);
    let hit = 0;
    let wsum = 0;
    targets.forEach(({ tok, w }, r) => {
      const row = Array.from(logits0.subarray(r * cfg.vocabSize, (r + 1) * cfg.vocabSize));
      hit += w * (row[tok] === Math.max(...row) ? 1 : 0);
      wsum += w;
    });
    for (let i = 0; i < 3; i++) {
      const r = await t.step(policyRowFeeds(cfg, seqs, { floatType: "float64" }), 0.01);
      if (i === 0) {
        assert.ok(Math.abs(r.metrics["token_accuracy"]! - hit / wsum) < 1e-12, `accuracy ${r.metrics["token_accuracy"]} vs ${hit / wsum}`);
        assert.ok(hit > 0 && hit < wsum, `accuracy strictly between 0 and 1 makes the check meaningful: ${hit} of ${wsum}, ${r.metrics["token_accuracy"]}`);
      }
      const e = policyCeStepReference(cfg, ref, seqs, 0.01, adam);
      assert.ok(Math.abs(r.loss - e.loss) < 1e-12, `loss ${r.loss} vs ${e.loss}`);
      assert.ok(Math.abs(r.gradNorm - e.gradNorm) < 1e-12);
    }
    const got = t.state().params;
    for (const [k, p] of ref.params) p.data.forEach((v, i) => assert.ok(Math.abs(v - got.get(k)!.data[i]!) < 1e-12, `${k}[${i}]`));
    await t.release();
  });

  it("LazyAdam: three ONNX cross-entropy steps equal the TypeScript LazyAdam steps (float64), unlike dense", async () => {
    const cfg: PolicyConfig = { vocabSize: 12, window: 2, prompt: { buckets: 16, bigrams: false, maxFeatures: 8 }, promptDim: 3, tokenDim: 3, hidden: 5 };
    const adam: AdamWConfig = { ...DEFAULT_ADAMW, weightDecay: 0.05, maxGradNorm: 0.5 };
    const params = scaled(initParams(policyParamDefs(cfg), 1, "float64"), 19, 0.5);
    const defs = policyParamDefs(cfg);
    const decay = (k: string) => defs.find((d) => d.name === k)!.decay;
    const lazyRef = policyReferenceState(convertParams(params, "float64"), decay);
    const denseRef = policyReferenceState(convertParams(params, "float64"), decay);
    const seqs = randomSeqs(new Prng(20), cfg, 10);
    const batches = [seqs.slice(0, 3), seqs.slice(3, 10), seqs.slice(0, 3)];
    const model = buildPolicyTrainStep(cfg, { kind: "cross-entropy" }, adam, { floatType: "float64", lazyEmbeddings: true });
    assert.deepEqual(model.lazy?.map((l) => [l.param, l.ids]), [["prompt_emb", ["prompt_ids"]], ["token_emb", ["window"]]]);
    const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
    for (const b of batches) {
      const r = await t.step(policyRowFeeds(cfg, b, { floatType: "float64" }), 0.02);
      const e = policyCeStepReference(cfg, lazyRef, b, 0.02, adam, { lazyEmbeddings: true });
      policyCeStepReference(cfg, denseRef, b, 0.02, adam);
      assert.ok(Math.abs(r.loss - e.loss) < 1e-12, `loss ${r.loss} vs ${e.loss}`);
      assert.ok(Math.abs(r.gradNorm - e.gradNorm) < 1e-12);
    }
    const got = t.state().params;
    await t.release();
    for (const [k, p] of lazyRef.params) p.data.forEach((v, i) => assert.ok(Math.abs(v - got.get(k)!.data[i]!) < 1e-12, `${k}[${i}]`));
    let differs = 0;
    for (const k of ["prompt_emb", "token_emb"]) {
      const d = denseRef.params.get(k)!.data;
      got.get(k)!.data.forEach((v, i) => (differs = Math.max(differs, Math.abs(v - d[i]!))));
    }
    assert.ok(differs > 1e-4, `lazy and dense embeddings agree (${differs})`);
  });

  it("fits a deterministic corpus to near-zero loss and regenerates it greedily, deterministically", async () => {
    const corpus = [
      { prompt: "I want a refund for my order", answer: "Sorry about that. Your refund is on its way within 5 days." },
      { prompt: "How do I reset my password?", answer: "Open settings, choose security, then press reset password." },
      { prompt: "Where is my package?", answer: "Your package is delayed. It should arrive on Friday." },
      { prompt: "Cancel my subscription please", answer: "Done. Your subscription is cancelled and you will not be charged." },
    ];
    const vocab = WordVocab.build(corpus.map((c) => c.answer), { maxSize: 100 });
    const cfg: PolicyConfig = { vocabSize: vocab.size, window: 3, prompt: { buckets: 256, bigrams: true, maxFeatures: 32 }, promptDim: 16, tokenDim: 16, hidden: 64 };
    const seqs: PolicySequence[] = corpus.map((c) => ({ promptIds: promptFeatureIds(cfg, c.prompt), tokens: vocab.encode(c.answer, { eos: true }) }));
    const train = async (): Promise<{ loss: number; params: Params; acc: number }> => {
      const params = initParams(policyParamDefs(cfg), 42);
      const t = await TrainingSession.create(buildPolicyTrainStep(cfg, { kind: "cross-entropy" }, DEFAULT_ADAMW), { params, ...freshOptimizerState(params) });
      const feeds = policyRowFeeds(cfg, seqs);
      const last = await t.run({ steps: 150, lr: 0.01, batch: () => feeds });
      const out = { loss: last!.loss, params: t.state().params, acc: last!.metrics["token_accuracy"]! };
      await t.release();
      return out;
    };
    const a = await train();
    assert.ok(a.loss < 0.01, `final loss ${a.loss}`);
    assert.equal(a.acc, 1);
    const s = await createSession(buildPolicyInference(cfg, a.params).bytes);
    const gen = await generate(s, cfg, seqs.map((q) => q.promptIds), { maxTokens: 30, temperature: 0, rng: new Prng(1) });
    await s.release();
    gen.forEach((g, i) => {
      assert.deepEqual(g.tokens, seqs[i]!.tokens);
      assert.equal(detokenize(vocab.decodeTokens(g.tokens)), corpus[i]!.answer);
    });
    const b = await train();
    for (const [k, p] of a.params) assert.deepEqual(Buffer.from(p.data.buffer), Buffer.from(b.params.get(k)!.data.buffer), `${k} differs between runs`);
  });
});
