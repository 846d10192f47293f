import type { WorldConfig } from "../config/schema.js";
import type { AnswerTraits } from "../bot/traits.js";
import { explainGold, type PromptInput } from "../gold/gold.js";
import { rubricApplied, rubricScore, type Expert } from "../people/experts.js";
import { comparisonLogit } from "../people/raters.js";
import type { Population } from "../people/users.js";
import { sigmoid } from "../random/rng.js";
import { segmentShares } from "../world/mix.js";

export type RaterKind = "end_user" | "expert";

/** Two answers to one prompt; `segment` fixes which end users compare them (default: the day's traffic mix). */
export interface PairSpec {
  prompt: PromptInput;
  a: string;
  b: string;
  segment?: string;
}

export interface BayesResult {
  /** Mean over pairs of max(P, 1-P): the best any predictor of the label can do, not knowing the rater. */
  accuracy: number;
  /** Accuracy of predicting the label by the higher gold utility (ties score 0.5). */
  goldAccuracy: number;
  /** P(label prefers a) for each pair (expert ties count as half). */
  pA: number[];
}

/** E[sigmoid(mu + sd * Z)], Z standard normal, by the trapezoid rule on [-8, 8] (error far below 1e-9). */
export function expectedSigmoid(mu: number, sd: number): number {
  if (sd === 0) return sigmoid(mu);
  const h = 0.05;
  let sum = 0;
  for (let i = -160; i <= 160; i++) {
    const z = i * h;
    const w = i === -160 || i === 160 ? 0.5 : 1;
    sum += w * Math.exp(-0.5 * z * z) * sigmoid(mu + sd * z);
  }
  return (sum * h) / Math.sqrt(2 * Math.PI);
}

interface Judged {
  intent: ReturnType<typeof explainGold>["intent"];
  gold: number;
  traits: AnswerTraits;
}

/** P(an end user of segment `si` picks a over b), mixing users by how often they chat. */
export function endUserPreference(config: WorldConfig, pop: Population, si: number, a: Judged, b: Judged): number {
  const seg = config.segments[si];
  const members = pop.segments[si]?.users ?? [];
  if (!seg || members.length === 0) throw new RangeError(`segment ${si} has no users`);
  let total = 0;
  let p = 0;
  const cache = new Map<boolean, number>();
  for (const u of members) {
    let q = cache.get(u.punishesUncertainty);
    if (q === undefined) {
      q = expectedSigmoid(comparisonLogit(config, seg, u.punishesUncertainty, a, b), config.users.comparisonNoiseSd);
      cache.set(u.punishesUncertainty, q);
    }
    total += u.activity;
    p += u.activity * (u.careless * 0.5 + (1 - u.careless) * q);
  }
  return p / total;
}

/** P(a random expert prefers a over b) on a day, ties counted as half. */
export function expertPreference(config: WorldConfig, experts: readonly Expert[], day: number, a: Judged, b: Judged): number {
  if (experts.length === 0) throw new RangeError("the world has no experts");
  let p = 0;
  for (const e of experts) {
    const v = rubricApplied(config, e, day);
    const delta = rubricScore(v, a.intent, a.traits) - rubricScore(v, b.intent, b.traits);
    p += Math.abs(delta) < 1e-9 ? 0.5 : expectedSigmoid(config.experts.scale * delta, config.experts.noiseSd);
  }
  return p / experts.length;
}

/**
 * The Bayes-optimal accuracy of a pair set under the world's rater noise: for each pair the
 * label is "a" with probability P (mixing raters as the world does), so no model can do
 * better than predicting the likelier side, which is right with probability max(P, 1-P).
 */
export function bayesOptimalAccuracy(
  config: WorldConfig,
  pop: Population,
  experts: readonly Expert[],
  pairs: readonly PairSpec[],
  rater: RaterKind,
  day: number,
): BayesResult {
  const shares = segmentShares(config, day);
  const pA: number[] = [];
  let acc = 0;
  let goldAcc = 0;
  for (const pair of pairs) {
    const ea = explainGold(pair.prompt, pair.a, config.policy);
    const eb = explainGold(pair.prompt, pair.b, config.policy);
    let p: number;
    if (rater === "expert") {
      p = expertPreference(config, experts, day, ea, eb);
    } else if (pair.segment !== undefined) {
      const si = config.segments.findIndex((s) => s.name === pair.segment);
      if (si < 0) throw new RangeError(`unknown segment "${pair.segment}"`);
      p = endUserPreference(config, pop, si, ea, eb);
    } else {
      p = shares.reduce((sum, share, si) => sum + share * endUserPreference(config, pop, si, ea, eb), 0);
    }
    pA.push(p);
    acc += Math.max(p, 1 - p);
    goldAcc += ea.gold > eb.gold ? p : ea.gold < eb.gold ? 1 - p : 0.5;
  }
  const n = Math.max(1, pairs.length);
  return { accuracy: acc / n, goldAccuracy: goldAcc / n, pA };
}
