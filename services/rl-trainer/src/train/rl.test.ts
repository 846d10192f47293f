import assert from "node:assert/strict";
import { test } from "node:test";
import { Prng } from "@rlhf-loop/ml";
import { keywordJudge } from "../domain/shape.js";
import { fitReference } from "./reference.js";
import { DEFAULT_RL_CONFIG, RlRun } from "./rl.js";

// A toy product: every prompt is answered "yes ." or "no ." equally often in the logs.
const rows = Array.from({ length: 200 }, (_, i) => ({ prompt: `question ${i % 7}`, answer: i % 2 ? "yes ." : "no ." }));
const shape = { window: 2, prompt: { buckets: 64, bigrams: false, maxFeatures: 8, seed: 0 }, promptDim: 8, tokenDim: 8, hidden: 16 };
const reward = async (r: readonly { answer: string }[]) => r.map((x) => (x.answer.startsWith("yes") ? 1 : 0));

async function yesRate(run: RlRun, which: "policy" | "reference"): Promise<number> {
  const rt = which === "policy" ? run.policy : run.reference;
  const s = await rt.sample(Array.from({ length: 400 }, (_, i) => `question ${i % 7}`), { rng: new Prng(5), maxTokens: 4 });
  return s.filter((x) => x.text.startsWith("yes")).length / s.length;
}

test("reference fitting learns the logged mix; held-out perplexity near 2^(1/3) (one fair coin in three tokens)", async () => {
  const ref = await fitReference(rows, { seed: 1, shape, epochs: 30, batchAnswers: 32, lr: 0.03, threads: 1 });
  // 3 tokens per answer, one of them a fair coin: perplexity 2^(1/3) ≈ 1.26 at best.
  assert.ok(ref.heldOutPerplexity > 1.2 && ref.heldOutPerplexity < 1.4, `perplexity ${ref.heldOutPerplexity}`);
});

test("RLOO and PPO move the policy toward the rewarded answer; KL grows from 0; same seed, same run", async () => {
  const ref = await fitReference(rows, { seed: 1, shape, epochs: 30, batchAnswers: 32, lr: 0.03, threads: 1 });
  for (const algorithm of ["rloo", "ppo"] as const) {
    const make = () =>
      RlRun.create({
        config: ref.config, codec: ref.codec, reference: ref.params, prompts: rows.map((r) => r.prompt), probePrompts: [],
        reward, judge: keywordJudge, threads: 1,
        rl: { ...DEFAULT_RL_CONFIG, algorithm, promptsPerStep: 16, samplesPerPrompt: 4, lr: 0.05, beta: 0.01, probeEvery: 0, maxTokens: 4 },
      });
    const run = await make();
    const before = await yesRate(run, "reference");
    await run.run(8);
    const after = await yesRate(run, "policy");
    assert.ok(before > 0.3 && before < 0.7, `reference yes rate ${before}`);
    assert.ok(after > before + 0.2, `${algorithm}: yes rate ${before} -> ${after}`);
    assert.ok(Math.abs(run.history[0]!.kl) < 1e-6, "step 1 samples from the reference: KL 0");
    assert.ok(run.history[7]!.kl > 0.05, `${algorithm}: KL grew to ${run.history[7]!.kl}`);
    assert.ok(run.history[7]!.reward > run.history[0]!.reward);
    const again = await make();
    await again.run(3);
    assert.deepEqual(again.history.map((s) => ({ ...s, seconds: 0 })), run.history.slice(0, 3).map((s) => ({ ...s, seconds: 0 })));
    await run.release();
    await again.release();
  }
});
