// Token-row feeds for the policy's training step and scoring graph.
import type { FloatType } from "../../graph/core.js";
import { floatTensor, int64Tensor, scalarTensor, type Feeds } from "../../runtime/session.js";
import { hashedFeatures, padIds } from "../../text/features.js";
import { BOS } from "../../text/vocab.js";
import { POLICY_INPUTS, type PolicyConfig } from "./policy-model.js";

/** Hashed prompt feature ids (the prompt encoder's input). */
export function promptFeatureIds(cfg: PolicyConfig, prompt: string): number[] {
  return hashedFeatures(prompt, cfg.prompt, "p");
}

/** The K tokens before position t of an answer, <bos> before the start. */
export function windowAt(tokens: readonly number[], t: number, k: number): number[] {
  const w: number[] = [];
  for (let j = t - k; j < t; j++) w.push(j < 0 ? BOS : tokens[j]!);
  return w;
}

export interface PolicySequence {
  readonly promptIds: readonly number[];
  /** Answer token ids, normally ending in <eos>. */
  readonly tokens: readonly number[];
  /** Weight of each token of this sequence (default 1). */
  readonly weight?: number;
  /** Advantage of the sequence (RLOO) or of each token. */
  readonly advantage?: number | readonly number[];
  /** Per-token log-probabilities under the policy that sampled it, and under the reference. */
  readonly oldLogp?: readonly number[];
  readonly refLogp?: readonly number[];
}

function floats(ft: FloatType, xs: ArrayLike<number>): Float32Array | Float64Array {
  return ft === "float32" ? Float32Array.from(xs) : Float64Array.from(xs);
}

/** Feeds for the cross-entropy step and the scoring graph (and, with `pg`, the policy-gradient step). */
export function policyRowFeeds(
  cfg: PolicyConfig,
  seqs: readonly PolicySequence[],
  opts: { floatType?: FloatType; pg?: { klCoef: number }; withWeight?: boolean } = {},
): Feeds {
  const ft = opts.floatType ?? "float32";
  const prompts = padIds(seqs.map((s) => s.promptIds));
  const rowPrompt: number[] = [];
  const window: number[] = [];
  const target: number[] = [];
  const weight: number[] = [];
  const adv: number[] = [];
  const oldLogp: number[] = [];
  const refLogp: number[] = [];
  seqs.forEach((s, i) => {
    s.tokens.forEach((tok, t) => {
      if (tok < 0 || tok >= cfg.vocabSize) throw new Error(`sequence ${i}: token ${tok} outside the vocabulary`);
      rowPrompt.push(i);
      window.push(...windowAt(s.tokens, t, cfg.window));
      target.push(tok);
      weight.push(s.weight ?? 1);
      if (opts.pg) {
        const a = s.advantage;
        if (a === undefined || !s.oldLogp || !s.refLogp) throw new Error(`sequence ${i}: policy-gradient rows need advantage, oldLogp and refLogp`);
        adv.push(typeof a === "number" ? a : a[t]!);
        oldLogp.push(s.oldLogp[t]!);
        refLogp.push(s.refLogp[t]!);
      }
    });
  });
  const n = target.length;
  const feeds: Feeds = {
    [POLICY_INPUTS.promptIds]: int64Tensor(prompts.ids, prompts.dims),
    [POLICY_INPUTS.promptMask]: floatTensor(floats(ft, prompts.mask), prompts.dims),
    [POLICY_INPUTS.rowPrompt]: int64Tensor(rowPrompt, [n]),
    [POLICY_INPUTS.window]: int64Tensor(window, [n, cfg.window]),
    [POLICY_INPUTS.target]: int64Tensor(target, [n]),
  };
  if (opts.withWeight !== false) feeds[POLICY_INPUTS.weight] = floatTensor(floats(ft, weight), [n]);
  if (opts.pg) {
    feeds[POLICY_INPUTS.advantage] = floatTensor(floats(ft, adv), [n]);
    feeds[POLICY_INPUTS.oldLogp] = floatTensor(floats(ft, oldLogp), [n]);
    feeds[POLICY_INPUTS.refLogp] = floatTensor(floats(ft, refLogp), [n]);
    feeds[POLICY_INPUTS.klCoef] = scalarTensor(opts.pg.klCoef, ft);
  }
  return feeds;
}
