// A policy: its config, vocabulary (codec) and weights, with the sessions that sample and score it.
import {
  buildPolicyInference,
  buildPolicyScoring,
  generate,
  policyParamDefs,
  promptFeatureIds,
  scoreSequences,
  DEFAULT_POLICY_CONFIG,
  type Params,
  type PolicyConfig,
  type Prng,
  type Session,
} from "@rlhf-loop/ml";
import type { AnswerCodec } from "../domain/codec.js";
import { createProviderSession, type Provider } from "./providers.js";

export type PolicyShape = Omit<PolicyConfig, "vocabSize">;

/** A small default that fits the simulated product's ~550-word answers on two cores. */
export const SMALL_POLICY_SHAPE: PolicyShape = {
  ...DEFAULT_POLICY_CONFIG,
  prompt: { buckets: 1 << 12, bigrams: true, maxFeatures: 96, seed: 0 },
  promptDim: 32,
  tokenDim: 32,
  hidden: 128,
};

export interface SampledAnswer {
  readonly tokens: number[];
  /** log p(token) under the sampling policy, per token. */
  readonly logp: number[];
  readonly text: string;
}

/** Sampling and scoring sessions for fixed weights (rebuilt when the weights change). */
export class PolicyRuntime {
  private constructor(
    readonly config: PolicyConfig,
    readonly codec: AnswerCodec,
    private readonly infer: Session,
    private readonly scorer: Session,
    /** Where sampling and scoring run. */
    readonly provider: Provider,
  ) {}

  static async create(config: PolicyConfig, codec: AnswerCodec, params: Params, opts: { threads?: number; preferCuda?: boolean } = {}): Promise<PolicyRuntime> {
    if (config.vocabSize !== codec.vocab.size) throw new Error(`policy vocabulary ${config.vocabSize} != codec vocabulary ${codec.vocab.size}`);
    const so = { ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.preferCuda ? { preferCuda: true } : {}) };
    const [infer, scorer] = await Promise.all([
      createProviderSession(buildPolicyInference(config, params).bytes, so),
      createProviderSession(buildPolicyScoring(config, params).bytes, so),
    ]);
    return new PolicyRuntime(config, codec, infer.session, scorer.session, infer.provider);
  }

  promptIds(prompt: string): number[] {
    return promptFeatureIds(this.config, prompt);
  }

  /** One answer per prompt (repeat a prompt for k samples), at temperature 1 over the full vocabulary
   * unless told otherwise, so logp is the exact behaviour log-probability. */
  async sample(prompts: readonly string[], opts: { rng: Prng; maxTokens: number; minTokens?: number; temperature?: number; topK?: number }): Promise<SampledAnswer[]> {
    const ids = prompts.map((p) => this.promptIds(p));
    const gen = await generate(this.infer, this.config, ids, {
      rng: opts.rng,
      maxTokens: opts.maxTokens,
      ...(opts.minTokens ? { minTokens: opts.minTokens } : {}),
      ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
      ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
    });
    return gen.map((g, i) => ({ tokens: g.tokens, logp: g.logProbs, text: this.codec.decode(g.tokens, prompts[i]!) }));
  }

  /** Per-token log-probabilities and entropies of given answers under these weights. */
  async score(rows: readonly { prompt: string; tokens: readonly number[] }[], batch = 512): Promise<{ logp: number[][]; entropy: number[][] }> {
    const logp: number[][] = [];
    const entropy: number[][] = [];
    for (let i = 0; i < rows.length; i += batch) {
      const part = rows.slice(i, i + batch).map((r) => ({ promptIds: this.promptIds(r.prompt), tokens: r.tokens }));
      const res = await scoreSequences(this.scorer, this.config, part);
      logp.push(...res.logp);
      entropy.push(...res.entropy);
    }
    return { logp, entropy };
  }

  async release(): Promise<void> {
    await Promise.all([this.infer.release(), this.scorer.release()]);
  }
}

export function policyConfigFor(shape: PolicyShape, vocabSize: number): PolicyConfig {
  const cfg = { ...shape, vocabSize };
  policyParamDefs(cfg); // validates the shape early
  return cfg;
}
