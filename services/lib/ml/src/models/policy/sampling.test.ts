import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSession, floatData, floatTensor, int64Tensor } from "../../runtime/session.js";
import { BOS, EOS } from "../../text/vocab.js";
import { Prng } from "../../util/prng.js";
import { initParams } from "../params.js";
import { buildPolicyInference, buildPolicyScoring, policyParamDefs, type PolicyConfig } from "./policy-model.js";
import { ANSWER_ENDING_TOKENS, generate, logSoftmax, sampleToken, scoreSequences } from "./sampling.js";

const logits = [2.0, 1.0, 0.5, -1.0, 3.0, 0.0];

describe("sampling", () => {
  it("logProb is the full-vocabulary log-probability; sampleLogProb that of temperature and top-k", () => {
    const lp = logSoftmax(logits);
    const rng = new Prng(1);
    for (let i = 0; i < 50; i++) {
      const s = sampleToken(logits, { temperature: 0.7, topK: 3 }, rng);
      assert.ok([4, 0, 1].includes(s.token), `token ${s.token} outside the top 3`);
      assert.ok(Math.abs(s.logProb - lp[s.token]!) < 1e-15);
      const z = [4, 0, 1].reduce((a, j) => a + Math.exp(lp[j]! / 0.7), 0);
      assert.ok(Math.abs(s.sampleLogProb - (lp[s.token]! / 0.7 - Math.log(z))) < 1e-12);
    }
  });

  it("draws tokens with the probabilities it reports", () => {
    const rng = new Prng(2);
    const counts = new Map<number, number>();
    const reported = new Map<number, number>();
    const n = 40000;
    for (let i = 0; i < n; i++) {
      const s = sampleToken(logits, { temperature: 1.3 }, rng);
      counts.set(s.token, (counts.get(s.token) ?? 0) + 1);
      reported.set(s.token, Math.exp(s.sampleLogProb));
    }
    for (const [tok, c] of counts) assert.ok(Math.abs(c / n - reported.get(tok)!) < 0.01, `token ${tok}: ${c / n} vs ${reported.get(tok)}`);
    assert.equal(counts.size, logits.length);
  });

  it("temperature 0 is greedy; one seed gives one sequence of draws", () => {
    assert.equal(sampleToken(logits, { temperature: 0 }, new Prng(3)).token, 4);
    const draw = (seed: number) => Array.from({ length: 30 }, ((r) => () => sampleToken(logits, {}, r).token)(new Prng(seed)));
    assert.deepEqual(draw(5), draw(5));
    assert.notDeepEqual(draw(5), draw(6));
  });

  it("excluded tokens are never drawn; sampleLogProb renormalizes over the rest, logProb stays the model's", () => {
    const lp = logSoftmax(logits);
    const exclude = new Set([4, 0]);
    assert.equal(sampleToken(logits, { temperature: 0, exclude }, new Prng(1)).token, 1, "greedy takes the best allowed token");
    const rng = new Prng(4);
    const counts = new Map<number, number>();
    const n = 30000;
    const z = [1, 2, 3, 5].reduce((a, j) => a + Math.exp(lp[j]! / 0.8), 0);
    for (let i = 0; i < n; i++) {
      const s = sampleToken(logits, { temperature: 0.8, exclude }, rng);
      assert.ok(!exclude.has(s.token));
      assert.ok(Math.abs(s.logProb - lp[s.token]!) < 1e-15);
      assert.ok(Math.abs(s.sampleLogProb - (lp[s.token]! / 0.8 - Math.log(z))) < 1e-12);
      counts.set(s.token, (counts.get(s.token) ?? 0) + 1);
    }
    for (const j of [1, 2, 3, 5]) assert.ok(Math.abs(counts.get(j)! / n - Math.exp(lp[j]! / 0.8) / z) < 0.01, `token ${j}`);
    assert.throws(() => sampleToken(logits, { exclude: new Set([0, 1, 2, 3, 4, 5]) }, rng), /every token is excluded/);
  });

  it("minTokens: no answer ends (or writes <pad>/<bos>) before that many tokens", async () => {
    const cfg: PolicyConfig = { vocabSize: 30, window: 3, prompt: { buckets: 64, bigrams: true, maxFeatures: 16 }, promptDim: 8, tokenDim: 8, hidden: 16 };
    const params = initParams(policyParamDefs(cfg), 9);
    const s = await createSession(buildPolicyInference(cfg, params).bytes, { threads: 1 });
    const prompts = Array.from({ length: 60 }, (_, i) => [i + 4, (i * 7) % 25]);
    const earlyEnds = (g: { tokens: number[] }) => g.tokens.slice(0, 5).filter((t) => ANSWER_ENDING_TOKENS.has(t)).length;
    const free = await generate(s, cfg, prompts, { maxTokens: 8, temperature: 1.5, rng: new Prng(3) });
    assert.ok(free.reduce((a, g) => a + earlyEnds(g), 0) > 0, "without minTokens some answers end early (the check below means something)");
    const held = await generate(s, cfg, prompts, { maxTokens: 8, minTokens: 5, temperature: 1.5, rng: new Prng(3) });
    for (const g of held) {
      assert.ok(g.tokens.length >= 5, `answer of ${g.tokens.length} tokens`);
      assert.equal(earlyEnds(g), 0);
      assert.ok(g.tokens.length === 8 || g.tokens.at(-1) === EOS);
    }
    await s.release();
  });

  it("generated log-probabilities match the scoring graph, and generation is deterministic for a seed", async () => {
    const cfg: PolicyConfig = { vocabSize: 30, window: 3, prompt: { buckets: 64, bigrams: true, maxFeatures: 16 }, promptDim: 8, tokenDim: 8, hidden: 16 };
    const params = initParams(policyParamDefs(cfg), 9);
    for (const p of params.values()) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 3;
    const s = await createSession(buildPolicyInference(cfg, params).bytes, { threads: 1 });
    const prompts = [[1, 5, 9], [2], [7, 7, 30, 41]];
    const a = await generate(s, cfg, prompts, { maxTokens: 12, temperature: 1, topK: 10, rng: new Prng(11) });
    const b = await generate(s, cfg, prompts, { maxTokens: 12, temperature: 1, topK: 10, rng: new Prng(11) });
    assert.deepEqual(a, b);
    a.forEach((g) => assert.ok(g.tokens.length === 12 || g.tokens[g.tokens.length - 1] === EOS));
    const scoring = await createSession(buildPolicyScoring(cfg, params).bytes, { threads: 1 });
    const scored = await scoreSequences(scoring, cfg, a.map((g, i) => ({ promptIds: prompts[i]!, tokens: g.tokens })));
    a.forEach((g, i) => {
      assert.equal(scored.logp[i]!.length, g.tokens.length);
      g.logProbs.forEach((v, t) => assert.ok(Math.abs(v - scored.logp[i]![t]!) < 1e-5, `prompt ${i} token ${t}: ${v} vs ${scored.logp[i]![t]}`));
      scored.entropy[i]!.forEach((h) => assert.ok(h > 0 && h <= Math.log(cfg.vocabSize) + 1e-5));
    });
    // The first position's entropy, from the inference graph's logits in TypeScript.
    const p0 = prompts[0]!;
    const out = await s.run({
      prompt_ids: int64Tensor(p0, [1, p0.length]),
      prompt_mask: floatTensor(new Float32Array(p0.length).fill(1), [1, p0.length]),
      window: int64Tensor([BOS, BOS, BOS], [1, 3]),
    });
    const lp0 = logSoftmax(floatData(out["logits"]));
    const h0 = -lp0.reduce((acc, l) => acc + Math.exp(l) * l, 0);
    assert.ok(Math.abs(h0 - scored.entropy[0]![0]!) < 1e-5, `entropy ${scored.entropy[0]![0]} vs ${h0}`);
    await s.release();
    await scoring.release();
  });
});
