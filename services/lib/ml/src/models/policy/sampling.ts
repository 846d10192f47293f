// Sampling next tokens from logits (temperature, top-k) with exact log-probabilities, and
// generating answers with the policy's inference graph. Deterministic for a seeded Prng.
import { floatData, floatTensor, int64Tensor, type Session } from "../../runtime/session.js";
import { padIds } from "../../text/features.js";
import { BOS, EOS, PAD } from "../../text/vocab.js";
import type { Prng } from "../../util/prng.js";
import { policyRowFeeds, windowAt } from "./policy-batch.js";
import { POLICY_INPUTS, type PolicyConfig } from "./policy-model.js";

export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token. Default 1. */
  readonly temperature?: number;
  /** Sample among the k most likely tokens only (ties: lower id first); 0 or absent: all. */
  readonly topK?: number;
  /** Tokens never drawn at this step (see `minTokens`). */
  readonly exclude?: ReadonlySet<number>;
}

/** Tokens that would end an answer or carry no text: not drawn before `minTokens`. */
export const ANSWER_ENDING_TOKENS: ReadonlySet<number> = new Set([EOS, PAD, BOS]);

export interface SampledToken {
  readonly token: number;
  /** log p(token) under the model (temperature 1, full vocabulary): what the training graph computes. */
  readonly logProb: number;
  /** log-probability under the distribution actually sampled from (after temperature and top-k). */
  readonly sampleLogProb: number;
}

/** log softmax of logits[offset .. offset+n) in float64. */
export function logSoftmax(logits: ArrayLike<number>, offset = 0, n = logits.length - offset): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[offset + i]! - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = logits[offset + i]! - lse;
  return out;
}

export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Prng, offset = 0, n = logits.length - offset): SampledToken {
  const lp = logSoftmax(logits, offset, n);
  const temperature = opts.temperature ?? 1;
  if (!(temperature >= 0)) throw new Error(`temperature must be >= 0, got ${temperature}`);
  const allowed = Array.from({ length: n }, (_, i) => i).filter((i) => !opts.exclude?.has(i));
  if (allowed.length === 0) throw new Error("every token is excluded");
  const k = opts.topK && opts.topK > 0 ? Math.min(opts.topK, allowed.length) : allowed.length;
  let candidates: number[];
  if (k < allowed.length || temperature === 0) {
    candidates = allowed.sort((a, b) => lp[b]! - lp[a]! || a - b).slice(0, temperature === 0 ? 1 : k);
  } else {
    candidates = allowed;
  }
  if (temperature === 0) {
    const token = candidates[0]!;
    return { token, logProb: lp[token]!, sampleLogProb: 0 };
  }
  // Renormalize over the candidates at this temperature (in log space, stable).
  const scaled = candidates.map((i) => lp[i]! / temperature);
  const lq = logSoftmax(scaled);
  let u = rng.next();
  let pick = candidates.length - 1;
  for (let j = 0; j < candidates.length; j++) {
    u -= Math.exp(lq[j]!);
    if (u < 0) {
      pick = j;
      break;
    }
  }
  const token = candidates[pick]!;
  return { token, logProb: lp[token]!, sampleLogProb: lq[pick]! };
}

export interface GeneratedAnswer {
  readonly tokens: number[];
  readonly logProbs: number[];
  readonly sampleLogProbs: number[];
}

/** Samples an answer for each prompt (hashed prompt ids) with the inference session, all prompts
 * advancing together; each stops at <eos> (kept) or after maxTokens. Before `minTokens` tokens,
 * <eos>, <pad> and <bos> are not drawn (logProbs stay the model's; sampleLogProbs renormalize). */
export async function generate(
  session: Session,
  cfg: PolicyConfig,
  prompts: readonly (readonly number[])[],
  opts: SamplingOptions & { readonly maxTokens: number; readonly minTokens?: number; readonly rng: Prng },
): Promise<GeneratedAnswer[]> {
  const early: SamplingOptions = { ...opts, exclude: new Set([...(opts.exclude ?? []), ...ANSWER_ENDING_TOKENS]) };
  const out: GeneratedAnswer[] = prompts.map(() => ({ tokens: [], logProbs: [], sampleLogProbs: [] }));
  let active = prompts.map((_, i) => i);
  for (let t = 0; t < opts.maxTokens && active.length > 0; t++) {
    const p = padIds(active.map((i) => prompts[i]!));
    const window = active.flatMap((i) => windowAt(out[i]!.tokens, t, cfg.window));
    const res = await session.run({
      [POLICY_INPUTS.promptIds]: int64Tensor(p.ids, p.dims),
      [POLICY_INPUTS.promptMask]: floatTensor(p.mask, p.dims),
      [POLICY_INPUTS.window]: int64Tensor(window, [active.length, cfg.window]),
    });
    const logits = floatData(res[POLICY_INPUTS.logits], POLICY_INPUTS.logits);
    const v = cfg.vocabSize;
    active.forEach((i, r) => {
      const s = sampleToken(logits, t < (opts.minTokens ?? 0) ? early : opts, opts.rng, r * v, v);
      const a = out[i]!;
      a.tokens.push(s.token);
      a.logProbs.push(s.logProb);
      a.sampleLogProbs.push(s.sampleLogProb);
    });
    active = active.filter((i) => out[i]!.tokens[out[i]!.tokens.length - 1] !== EOS);
  }
  return out;
}

/** Per-token log-probabilities and entropies of given answers under a scoring session
 * (buildPolicyScoring): the reference and behaviour log-probabilities RL needs. */
export async function scoreSequences(
  session: Session,
  cfg: PolicyConfig,
  seqs: readonly { readonly promptIds: readonly number[]; readonly tokens: readonly number[] }[],
): Promise<{ logp: number[][]; entropy: number[][] }> {
  const res = await session.run(policyRowFeeds(cfg, seqs, { withWeight: false }));
  const lp = floatData(res[POLICY_INPUTS.logp], POLICY_INPUTS.logp);
  const ent = floatData(res[POLICY_INPUTS.entropy], POLICY_INPUTS.entropy);
  const logp: number[][] = [];
  const entropy: number[][] = [];
  let row = 0;
  for (const s of seqs) {
    logp.push(Array.from(lp.subarray(row, row + s.tokens.length)));
    entropy.push(Array.from(ent.subarray(row, row + s.tokens.length)));
    row += s.tokens.length;
  }
  return { logp, entropy };
}
