import type { WorldConfig } from "../config/schema.js";
import type { AnswerTraits } from "../bot/traits.js";
import type { IntentId } from "../domain/intents.js";
import { goldTerms, type GoldTerm } from "../gold/utility.js";
import { sigmoid, type Rng } from "../random/rng.js";

export type RubricVersion = "rubric-v1" | "rubric-v2";

/**
 * Expert rubrics. rubric-v2 (from experts.rubricChangeDay) scores exactly the gold terms.
 * rubric-v1, the old guideline, asked for a disclaimer on every answer (+0.4 instead of -0.4)
 * and did not mind hedging (0 instead of -0.5).
 */
export function rubricTerms(version: RubricVersion, intent: IntentId, traits: AnswerTraits): GoldTerm[] {
  const terms = goldTerms(intent, traits);
  if (version === "rubric-v2") return terms;
  return terms
    .filter((t) => t.term !== "hedged")
    .map((t) => (t.term === "disclaimer" ? { term: t.term, value: 0.4 } : t));
}

export function rubricScore(version: RubricVersion, intent: IntentId, traits: AnswerTraits): number {
  let s = 0;
  for (const t of rubricTerms(version, intent, traits)) s += t.value;
  return Math.round(s * 1000) / 1000;
}

/** The criteria experts judge separately, each a group of rubric terms. */
export const CRITERIA: Readonly<Record<string, readonly GoldTerm["term"][]>> = {
  resolution: ["followed", "broken", "noAction", "needlessQuestion", "clarifyAmbiguous", "guessAmbiguous", "refusal"],
  guidance: ["stepsNeeded", "stepsMissing", "stepsNeedless", "citesPolicy"],
  tone: ["curt", "warmWhenUpset"],
  style: ["hedged", "disclaimer", "long"],
};

export interface Expert {
  id: string;
  /** Keeps rubric-v1 for lagDays after the change. */
  lagging: boolean;
}

export function buildExperts(config: WorldConfig, rng: Rng): Expert[] {
  const ids = Array.from({ length: config.experts.count }, (_, i) => `expert-${String(i + 1).padStart(2, "0")}`);
  const lagging = new Set(rng.shuffle(ids).slice(0, config.experts.laggingExperts));
  return ids.map((id) => ({ id, lagging: lagging.has(id) }));
}

/** The rubric version in force on a day (what the labeling tool shows). */
export function rubricInForce(config: WorldConfig, day: number): RubricVersion {
  return day >= config.experts.rubricChangeDay ? "rubric-v2" : "rubric-v1";
}

/** The rubric an expert actually applies on a day: laggards keep v1 for lagDays. */
export function rubricApplied(config: WorldConfig, expert: Expert, day: number): RubricVersion {
  const change = config.experts.rubricChangeDay;
  if (day < change) return "rubric-v1";
  if (expert.lagging && day < change + config.experts.lagDays) return "rubric-v1";
  return "rubric-v2";
}

export interface ExpertJudgement {
  /** "a", "b" or "tie" (equal rubric scores). */
  choice: "a" | "b" | "tie";
  criteria: { criterion: string; choice: "a" | "b" | "tie" }[];
}

/** P(expert prefers A) = E[sigmoid(scale * (rubric(A) - rubric(B)) + noise)]; equal scores tie. */
export function judgePair(
  config: WorldConfig,
  version: RubricVersion,
  a: { intent: IntentId; traits: AnswerTraits },
  b: { intent: IntentId; traits: AnswerTraits },
  rng: Rng,
): ExpertJudgement {
  const ta = rubricTerms(version, a.intent, a.traits);
  const tb = rubricTerms(version, b.intent, b.traits);
  const sum = (ts: GoldTerm[], only?: readonly string[]) =>
    Math.round(ts.filter((t) => !only || only.includes(t.term)).reduce((s, t) => s + t.value, 0) * 1000) / 1000;
  const delta = sum(ta) - sum(tb);
  const criteria = Object.entries(CRITERIA).map(([criterion, terms]) => {
    const d = sum(ta, terms) - sum(tb, terms);
    return { criterion, choice: d > 0 ? ("a" as const) : d < 0 ? ("b" as const) : ("tie" as const) };
  });
  if (Math.abs(delta) < 1e-9) return { choice: "tie", criteria };
  const z = config.experts.scale * delta + config.experts.noiseSd * rng.normal();
  return { choice: rng.chance(sigmoid(z)) ? "a" : "b", criteria };
}
