// The pure arithmetic of KL-regularized RL: per-token KL estimators, RLOO advantages, the adaptive
// KL controller, the ceiling J* and best-of-n on reference samples. Plain numbers in, numbers out.

export type KlEstimator = "k1" | "k2" | "k3";

/** One token's estimate of KL(policy || reference) from r = log p_ref - log p_policy of a token sampled
 * from the policy: k1 = -r (unbiased, can be negative), k2 = r²/2, k3 = e^r - r - 1 (unbiased, >= 0). */
export function klToken(logp: number, refLogp: number, estimator: KlEstimator): number {
  const r = refLogp - logp;
  switch (estimator) {
    case "k1":
      return -r;
    case "k2":
      return 0.5 * r * r;
    case "k3":
      return Math.expm1(r) - r;
  }
}

/** Sum over an answer's tokens: the sequence-level KL estimate that enters the reward. */
export function klSequence(logp: readonly number[], refLogp: readonly number[], estimator: KlEstimator): number {
  if (logp.length !== refLogp.length) throw new Error(`log-prob lengths differ: ${logp.length} vs ${refLogp.length}`);
  let s = 0;
  for (let t = 0; t < logp.length; t++) s += klToken(logp[t]!, refLogp[t]!, estimator);
  return s;
}

/** RLOO: rewards come in consecutive groups of k samples of one prompt; each sample's baseline is the
 * mean of the other k-1. A_i = r_i - (Σ_j r_j - r_i)/(k-1) = k/(k-1) (r_i - mean). */
export function rlooAdvantages(rewards: readonly number[], k: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`RLOO needs k >= 2 samples per prompt, got ${k}`);
  if (rewards.length % k !== 0) throw new Error(`${rewards.length} rewards are not groups of ${k}`);
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += k) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += rewards[g + i]!;
    for (let i = 0; i < k; i++) out.push(rewards[g + i]! - (sum - rewards[g + i]!) / (k - 1));
  }
  return out;
}

/** KL coefficient: fixed, or adaptive (Ziegler et al. 2019): β ← β (1 + clip(KL/target - 1, ±0.2) · n/horizon). */
export class KlController {
  private b: number;
  constructor(
    initial: number,
    private readonly adaptive?: { readonly target: number; readonly horizon: number },
  ) {
    if (!(initial >= 0)) throw new Error(`beta must be >= 0, got ${initial}`);
    if (adaptive && !(adaptive.target > 0 && adaptive.horizon > 0)) throw new Error("adaptive KL needs target > 0 and horizon > 0");
    this.b = initial;
  }

  get beta(): number {
    return this.b;
  }

  /** Called after each step with the measured KL and the samples it took. */
  update(kl: number, samples: number): number {
    if (this.adaptive) {
      const err = Math.min(0.2, Math.max(-0.2, kl / this.adaptive.target - 1));
      this.b *= 1 + (err * samples) / this.adaptive.horizon;
    }
    return this.b;
  }
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** log((1/n) Σ e^{x_i}), stable. */
export function logMeanExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) m = Math.max(m, x);
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s / xs.length);
}

/** J* = β log E_ref[e^{r/β}]: the best value of E_π[r] - β KL(π‖ref), reached by π ∝ ref·e^{r/β}
 * (estimated from reference samples' rewards of one prompt). */
export function ceiling(refRewards: readonly number[], beta: number): number {
  if (!(beta > 0)) throw new Error(`beta must be > 0, got ${beta}`);
  return beta * logMeanExp(refRewards.map((r) => r / beta));
}

/** (J(π) - J(ref)) / (J* - J(ref)) with J(ref) = E_ref[r]. */
export function reachableFraction(jPolicy: number, jRef: number, jStar: number): number {
  const gap = jStar - jRef;
  return gap > 0 ? (jPolicy - jRef) / gap : NaN;
}

export interface BestOfN {
  readonly n: number;
  /** KL(best-of-n || ref) over the empirical reference distribution of the m samples. */
  readonly kl: number;
  /** Expected proxy reward and (when given) gold of the best-of-n answer. */
  readonly reward: number;
  readonly gold: number;
}

/** Best-of-n on m reference samples of one prompt, exactly over their empirical distribution: the
 * i-th smallest reward is chosen with p_i = (i/m)^n - ((i-1)/m)^n, so KL = Σ p_i log(m p_i) (at most
 * log n - (n-1)/n, reached only when all rewards differ and m is large). Ties in reward share mass. */
export function bestOfN(rewards: readonly number[], n: number, golds?: readonly number[]): BestOfN {
  const m = rewards.length;
  if (m === 0) throw new Error("best-of-n needs samples");
  const idx = rewards.map((_, i) => i).sort((a, b) => rewards[a]! - rewards[b]!);
  let kl = 0;
  let reward = 0;
  let gold = 0;
  // Equal rewards form one outcome group: the max over n draws falls in the group with the difference
  // of CDF powers, and within the group uniformly.
  for (let lo = 0; lo < m; ) {
    let hi = lo;
    while (hi + 1 < m && rewards[idx[hi + 1]!] === rewards[idx[lo]!]) hi++;
    const size = hi - lo + 1;
    const pGroup = Math.pow((hi + 1) / m, n) - Math.pow(lo / m, n);
    if (pGroup > 0) kl += pGroup * Math.log(pGroup / (size / m));
    for (let j = lo; j <= hi; j++) {
      reward += (pGroup / size) * rewards[idx[j]!]!;
      if (golds) gold += (pGroup / size) * golds[idx[j]!]!;
    }
    lo = hi + 1;
  }
  return { n, kl, reward, gold: golds ? gold : NaN };
}

/** The analytic upper bound on best-of-n's KL: log n - (n-1)/n. */
export function bestOfNKlBound(n: number): number {
  return Math.log(n) - (n - 1) / n;
}
