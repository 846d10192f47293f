// Reference fitting: supervised next-word training on logged (prompt, answer) pairs. The fitted
// weights are the reference policy of every RL run and stay frozen.
import {
  buildPolicyTrainStep,
  DEFAULT_ADAMW,
  freshOptimizerState,
  initParams,
  policyParamDefs,
  policyRowFeeds,
  promptFeatureIds,
  Prng,
  TrainingSession,
  type Params,
  type PolicyConfig,
  type PolicySequence,
  type Progress,
} from "@rlhf-loop/ml";
import { AnswerCodec } from "../domain/codec.js";
import { PolicyRuntime, policyConfigFor, SMALL_POLICY_SHAPE, type PolicyShape } from "./policy.js";

export interface LoggedAnswer {
  readonly prompt: string;
  readonly answer: string;
}

export interface ReferenceFitOptions {
  readonly seed: number;
  readonly shape?: PolicyShape;
  readonly maxVocab?: number;
  readonly minCount?: number;
  /** Passes over the training answers. */
  readonly epochs?: number;
  /** Answers per optimizer step. */
  readonly batchAnswers?: number;
  readonly lr?: number;
  /** Share of answers held out for perplexity (by position after a seeded shuffle). */
  readonly heldOutShare?: number;
  /** The reference is the fitted model at this temperature, baked into the output layer (logits/τ),
   * so sampling at temperature 1 and every log-probability stay exact. Default 1. */
  readonly temperature?: number;
  /** Threads of the scoring session (perplexity); training always runs on one. */
  readonly threads?: number;
  readonly onProgress?: (p: Progress) => void;
}

export interface FittedReference {
  readonly config: PolicyConfig;
  readonly codec: AnswerCodec;
  readonly params: Params;
  /** exp(-mean log p) per token on held-out answers, and on the training answers. */
  readonly heldOutPerplexity: number;
  readonly trainPerplexity: number;
  readonly steps: number;
  readonly trainTokens: number;
  readonly seconds: number;
}

export function shuffled<T>(xs: readonly T[], rng: Prng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** exp(-Σ log p / Σ tokens) of answers under a runtime: the per-token perplexity. */
export async function perplexity(rt: PolicyRuntime, rows: readonly LoggedAnswer[]): Promise<number> {
  const res = await rt.score(rows.map((r) => ({ prompt: r.prompt, tokens: rt.codec.encode(r.answer) })));
  let sum = 0;
  let n = 0;
  for (const lp of res.logp) {
    for (const x of lp) sum += x;
    n += lp.length;
  }
  return Math.exp(-sum / Math.max(1, n));
}

/** The same model at temperature τ: output weights and bias divided by τ. */
export function sharpen(params: Params, temperature: number): Params {
  if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
  if (temperature === 1) return params;
  return new Map(
    [...params].map(([k, v]) => [k, k === "w_out" || k === "b_out" ? { shape: v.shape, data: v.data.map((x) => x / temperature) } : v]),
  );
}

export async function fitReference(rows: readonly LoggedAnswer[], opts: ReferenceFitOptions): Promise<FittedReference> {
  if (rows.length < 10) throw new Error(`reference fitting needs at least 10 logged answers, got ${rows.length}`);
  const t0 = performance.now();
  const rng = new Prng(opts.seed);
  const order = shuffled(rows, rng);
  const nHeld = Math.max(1, Math.round(order.length * (opts.heldOutShare ?? 0.1)));
  const held = order.slice(0, nHeld);
  const train = order.slice(nHeld);
  const codec = AnswerCodec.build(
    train.map((r) => r.answer),
    { maxSize: opts.maxVocab ?? 2000, minCount: opts.minCount ?? 2 },
  );
  const config = policyConfigFor(opts.shape ?? SMALL_POLICY_SHAPE, codec.vocab.size);
  const seqs: PolicySequence[] = train.map((r) => ({ promptIds: promptFeatureIds(config, r.prompt), tokens: codec.encode(r.answer) }));
  const trainTokens = seqs.reduce((a, s) => a + s.tokens.length, 0);
  const params = initParams(policyParamDefs(config), opts.seed);
  const step = buildPolicyTrainStep(config, { kind: "cross-entropy" }, { ...DEFAULT_ADAMW, weightDecay: 0.0, maxGradNorm: 1 });
  // Training keeps ml's default of one thread: ScatterND-add (embedding gradients) races on more.
  const trainer = await TrainingSession.create(step, { params, ...freshOptimizerState(params) });
  const batchAnswers = opts.batchAnswers ?? 64;
  const epochs = opts.epochs ?? 3;
  const perEpoch = Math.ceil(seqs.length / batchAnswers);
  const total = perEpoch * epochs;
  const baseLr = opts.lr ?? 0.01;
  let epochOrder = seqs;
  await trainer.run({
    steps: total,
    // Cosine decay to a tenth: the last steps settle the weights the reference keeps.
    lr: (s) => baseLr * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, total)) / total))),
    batch: (i) => {
      const j = i % perEpoch;
      if (j === 0) epochOrder = shuffled(seqs, rng);
      return policyRowFeeds(config, epochOrder.slice(j * batchAnswers, (j + 1) * batchAnswers));
    },
    ...(opts.onProgress ? { onProgress: opts.onProgress, progressEvery: 20 } : {}),
  });
  const fitted = sharpen(trainer.state().params, opts.temperature ?? 1);
  await trainer.release();
  const rt = await PolicyRuntime.create(config, codec, fitted, opts.threads !== undefined ? { threads: opts.threads } : {});
  const heldOutPerplexity = await perplexity(rt, held);
  const trainPerplexity = await perplexity(rt, train.slice(0, Math.min(train.length, 2000)));
  await rt.release();
  return { config, codec, params: fitted, heldOutPerplexity, trainPerplexity, steps: total, trainTokens, seconds: (performance.now() - t0) / 1000 };
}
