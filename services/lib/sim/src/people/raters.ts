import type { SegmentConfig, WorldConfig } from "../config/schema.js";
import { lengthIndex, type AnswerTraits } from "../bot/traits.js";
import { sigmoid, type Rng } from "../random/rng.js";
import type { SimUser } from "./users.js";

/** What a rater sees of an answer: its gold utility and the traits biases react to. */
export interface Judged {
  gold: number;
  traits: AnswerTraits;
}

/**
 * The deterministic part of a user's thumb logit:
 * intercept + a*gold + segment bias + user bias - lengthPenalty*lengthIndex - uncertaintyPenalty*[hedged].
 */
export function thumbLogit(config: WorldConfig, segment: SegmentConfig, user: Pick<SimUser, "bias" | "punishesUncertainty">, answer: Judged): number {
  const u = config.users;
  return (
    u.thumbIntercept +
    u.thumbScale * answer.gold +
    segment.thumbBias +
    user.bias -
    segment.lengthPenalty * lengthIndex(answer.traits.length) -
    (user.punishesUncertainty && answer.traits.hedged ? u.uncertaintyPenalty : 0)
  );
}

export interface ThumbDraw {
  up: boolean;
  careless: boolean;
}

/** One thumb: a careless click with the user's careless rate, else sigmoid(logit + noise). */
export function drawThumb(config: WorldConfig, segment: SegmentConfig, user: SimUser, answer: Judged, rng: Rng): ThumbDraw {
  if (rng.chance(user.careless)) return { up: rng.chance(config.users.carelessUpShare), careless: true };
  const z = thumbLogit(config, segment, user, answer) + config.users.noiseSd * rng.normal();
  return { up: rng.chance(sigmoid(z)), careless: false };
}

/** Logit that a user picks A over B after "regenerate": the same biases, on differences. */
export function comparisonLogit(
  config: WorldConfig,
  segment: SegmentConfig,
  punishesUncertainty: boolean,
  a: Judged,
  b: Judged,
): number {
  const u = config.users;
  const hedge = (j: Judged) => (punishesUncertainty && j.traits.hedged ? u.uncertaintyPenalty : 0);
  return (
    u.thumbScale * (a.gold - b.gold) -
    segment.lengthPenalty * (lengthIndex(a.traits.length) - lengthIndex(b.traits.length)) -
    (hedge(a) - hedge(b))
  );
}

/** One regenerate-and-pick choice: careless picks are a coin flip. */
export function drawComparison(
  config: WorldConfig,
  segment: SegmentConfig,
  user: SimUser,
  a: Judged,
  b: Judged,
  rng: Rng,
): { pickA: boolean; careless: boolean } {
  if (rng.chance(user.careless)) return { pickA: rng.chance(0.5), careless: true };
  const z = comparisonLogit(config, segment, user.punishesUncertainty, a, b) + config.users.comparisonNoiseSd * rng.normal();
  return { pickA: rng.chance(sigmoid(z)), careless: false };
}

/** P(regenerate) = sigmoid(intercept - slope * gold): bad answers get regenerated more. */
export function regenerateProbability(config: WorldConfig, gold: number): number {
  return sigmoid(config.users.regenerateIntercept - config.users.regenerateGoldSlope * gold);
}
