// Run evaluation on probe prompts: the ceiling J*, the fraction of the reachable gain, best-of-n
// from the reference at the policy's KL, and gold before/after.
import { Prng } from "@rlhf-loop/ml";
import { bestOfN, ceiling, klSequence, mean, reachableFraction, type KlEstimator } from "../domain/rl-math.js";
import type { AnswerJudge } from "../domain/shape.js";
import type { PolicyRuntime } from "./policy.js";
import type { RewardFn } from "./rl.js";

export interface RunEvaluation {
  readonly beta: number;
  /** Means over probe prompts. */
  readonly jRef: number;
  readonly jStar: number;
  readonly jPolicy: number;
  readonly policyReward: number;
  /** Sequence KL(policy || ref), k1 estimator (unbiased) on policy samples. */
  readonly policyKl: number;
  readonly fraction: number;
  readonly refGold?: number;
  readonly policyGold?: number;
  /** Best-of-n from the reference at the n whose sample-estimated KL is closest to the policy's. */
  readonly bestOfN: { readonly n: number; readonly kl: number; readonly reward: number; readonly gold?: number };
  /** The whole best-of-n curve, n = 1, 2, 4, ... */
  readonly bestOfNCurve: readonly { n: number; kl: number; reward: number; gold?: number }[];
}

export async function evaluateRun(opts: {
  readonly reference: PolicyRuntime;
  readonly policy: PolicyRuntime;
  readonly prompts: readonly string[];
  readonly reward: RewardFn;
  readonly judge?: AnswerJudge;
  readonly beta: number;
  /** Reference samples per prompt for J* and best-of-n; policy samples per prompt. */
  readonly refSamples: number;
  readonly policySamples: number;
  readonly maxTokens: number;
  readonly seed: number;
  readonly klEstimator?: KlEstimator;
}): Promise<RunEvaluation> {
  const { prompts, judge } = opts;
  const gold = judge?.gold;
  const refP = prompts.flatMap((p) => Array.from({ length: opts.refSamples }, () => p));
  const polP = prompts.flatMap((p) => Array.from({ length: opts.policySamples }, () => p));
  const refS = await opts.reference.sample(refP, { rng: new Prng(opts.seed), maxTokens: opts.maxTokens });
  const polS = await opts.policy.sample(polP, { rng: new Prng(opts.seed + 1), maxTokens: opts.maxTokens });
  const refR = await opts.reward(refS.map((s, i) => ({ prompt: refP[i]!, answer: s.text })));
  const polR = await opts.reward(polS.map((s, i) => ({ prompt: polP[i]!, answer: s.text })));
  const refG = gold ? refS.map((s, i) => gold(refP[i]!, s.text)) : undefined;
  const polG = gold ? polS.map((s, i) => gold(polP[i]!, s.text)) : undefined;
  const refLp = await opts.reference.score(polS.map((s, i) => ({ prompt: polP[i]!, tokens: s.tokens })));
  const kls = polS.map((s, i) => klSequence(s.logp, refLp.logp[i]!, opts.klEstimator ?? "k1"));
  const jRefs: number[] = [];
  const jStars: number[] = [];
  const ns = [1, 2, 4, 8, 16, 32, 64, 128].filter((n) => n <= 4 * opts.refSamples);
  const curve = ns.map((n) => ({ n, kl: 0, reward: 0, gold: 0 }));
  prompts.forEach((_, p) => {
    const r = refR.slice(p * opts.refSamples, (p + 1) * opts.refSamples);
    const g = refG?.slice(p * opts.refSamples, (p + 1) * opts.refSamples);
    jRefs.push(mean(r));
    jStars.push(ceiling(r, opts.beta));
    curve.forEach((c) => {
      const b = bestOfN(r, c.n, g);
      c.kl += b.kl / prompts.length;
      c.reward += b.reward / prompts.length;
      c.gold += (g ? b.gold : 0) / prompts.length;
    });
  });
  const policyReward = mean(polR);
  const policyKl = mean(kls);
  const jPolicy = policyReward - opts.beta * policyKl;
  const jRef = mean(jRefs);
  const jStar = mean(jStars);
  const bestCurve = curve.map((c) => (gold ? c : { n: c.n, kl: c.kl, reward: c.reward }));
  let pick = bestCurve[0]!;
  for (const c of bestCurve) if (Math.abs(c.kl - policyKl) < Math.abs(pick.kl - policyKl)) pick = c;
  return {
    beta: opts.beta,
    jRef,
    jStar,
    jPolicy,
    policyReward,
    policyKl,
    fraction: reachableFraction(jPolicy, jRef, jStar),
    ...(refG && polG ? { refGold: mean(refG), policyGold: mean(polG) } : {}),
    bestOfN: pick,
    bestOfNCurve: bestCurve,
  };
}
