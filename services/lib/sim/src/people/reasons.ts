import type { SegmentConfig, WorldConfig } from "../config/schema.js";
import { lengthIndex, type AnswerTraits } from "../bot/traits.js";
import type { IntentId } from "../domain/intents.js";
import { REASON_CODES, type FaultReasonCode, type ReasonCode } from "../domain/reason-codes.js";
import { goldTerms } from "../gold/utility.js";
import type { Rng } from "../random/rng.js";
import type { SimUser } from "./users.js";

/** Intents whose action is a fact (the help-center answer, where a feature moved): faults there are about knowledge. */
const KNOWLEDGE_INTENTS: ReadonlySet<IntentId> = new Set<IntentId>(["product_question", "feature_change"]);

/**
 * What a user could name on the thumbs-down form for this answer: per code, how much its faults
 * lowered this user's thumb logit (thumbScale x the negative gold terms, plus the segment's length
 * penalty and the user's hedging penalty), times the code's configured weight. A wrong action is
 * `policy_not_followed`, or `wrong_information` on a knowledge intent, where no action at all is
 * `missing_knowledge`. A needless question or a guess on an ambiguous request has no code on the form.
 */
export function answerFaults(
  config: WorldConfig,
  segment: Pick<SegmentConfig, "lengthPenalty">,
  user: Pick<SimUser, "punishesUncertainty">,
  intent: IntentId,
  traits: AnswerTraits,
): Partial<Record<FaultReasonCode, number>> {
  const a = config.users.thumbScale;
  const knowledge = KNOWLEDGE_INTENTS.has(intent);
  const drop: Partial<Record<FaultReasonCode, number>> = {};
  const add = (code: FaultReasonCode, v: number): void => {
    if (v > 0) drop[code] = (drop[code] ?? 0) + v;
  };
  for (const t of goldTerms(intent, traits)) {
    if (t.value >= 0) continue;
    const v = -a * t.value;
    switch (t.term) {
      case "broken":
        add(knowledge ? "wrong_information" : "policy_not_followed", v);
        break;
      case "noAction":
        if (knowledge) add("missing_knowledge", v);
        break;
      case "refusal":
        add("refusal", v);
        break;
      case "stepsMissing":
      case "stepsNeedless":
        add("format", v);
        break;
      case "hedged":
        add("hedging", v);
        break;
      case "disclaimer":
        add("unnecessary_disclaimer", v);
        break;
      case "curt":
        add("tone", v);
        break;
      case "long":
        add("too_long", v);
        break;
      default:
        break;
    }
  }
  add("too_long", segment.lengthPenalty * lengthIndex(traits.length));
  if (user.punishesUncertainty && traits.hedged) add("hedging", config.users.uncertaintyPenalty);
  const out: Partial<Record<FaultReasonCode, number>> = {};
  for (const [code, v] of Object.entries(drop) as [FaultReasonCode, number][]) {
    const w = v * config.reasons.weights[code];
    if (w > 0) out[code] = w;
  }
  return out;
}

export interface ReasonDraw {
  codes: ReasonCode[];
  /** The order or refund tool failed behind this answer (hidden truth; named only when the vote is coded). */
  toolFailure: boolean;
}

/**
 * Reason codes of one considered thumbs-down (careless clicks get none). With `codeRate` the user
 * fills in the form: a tool failure (per-intent rate) is named first; otherwise one slot, plus a
 * second slot with `secondCodeRate`. Each slot is, with `noise`, a code picked uniformly from the
 * form, else a fault not named yet picked in proportion to its weight (nothing when none is left).
 * A code already named is not repeated. `reasonCodeOdds` enumerates the same procedure.
 */
export function drawReasonCodes(
  config: WorldConfig,
  segment: Pick<SegmentConfig, "lengthPenalty">,
  user: Pick<SimUser, "punishesUncertainty">,
  intent: IntentId,
  traits: AnswerTraits,
  rng: Rng,
): ReasonDraw {
  const r = config.reasons;
  // The three chances are always drawn, in this order, so the stream does not depend on the answer.
  const coded = rng.chance(r.codeRate);
  const toolFailure = rng.chance(r.toolFailureRate[intent] ?? 0);
  const second = rng.chance(r.secondCodeRate);
  if (!coded) return { codes: [], toolFailure };
  const faults = answerFaults(config, segment, user, intent, traits);
  const codes: ReasonCode[] = toolFailure ? ["tool_failure"] : [];
  const slots = (toolFailure ? 0 : 1) + (second ? 1 : 0);
  for (let s = 0; s < slots; s++) {
    if (rng.chance(r.noise)) {
      const c = rng.pick(REASON_CODES);
      if (!codes.includes(c)) codes.push(c);
      continue;
    }
    const left = (Object.keys(faults) as FaultReasonCode[]).filter((c) => !codes.includes(c));
    if (left.length === 0) continue;
    codes.push(left[rng.weightedIndex(left.map((c) => faults[c] as number))] as FaultReasonCode);
  }
  return { codes, toolFailure };
}

export interface ReasonOdds {
  /** P(the vote carries at least one code). */
  coded: number;
  /** Expected number of times each code is named on the vote (0 or 1 each). */
  expected: Record<ReasonCode, number>;
}

/** Exact odds of `drawReasonCodes` for one considered thumbs-down, by enumerating its branches. */
export function reasonCodeOdds(
  config: WorldConfig,
  segment: Pick<SegmentConfig, "lengthPenalty">,
  user: Pick<SimUser, "punishesUncertainty">,
  intent: IntentId,
  traits: AnswerTraits,
): ReasonOdds {
  const r = config.reasons;
  const faults = answerFaults(config, segment, user, intent, traits);
  const expected = Object.fromEntries(REASON_CODES.map((c) => [c, 0])) as Record<ReasonCode, number>;
  let coded = 0;

  /** Distribution of one slot's new code given the codes named so far (the rest of the mass: nothing new). */
  const slot = (named: readonly ReasonCode[]): Map<ReasonCode, number> => {
    const out = new Map<ReasonCode, number>();
    const bump = (c: ReasonCode, p: number) => out.set(c, (out.get(c) ?? 0) + p);
    for (const c of REASON_CODES) if (!named.includes(c)) bump(c, r.noise / REASON_CODES.length);
    const left = (Object.keys(faults) as FaultReasonCode[]).filter((c) => !named.includes(c));
    const total = left.reduce((s, c) => s + (faults[c] as number), 0);
    if (total > 0) for (const c of left) bump(c, ((1 - r.noise) * (faults[c] as number)) / total);
    return out;
  };

  /** Walks the remaining slots from `named` with probability `p`, adding to expected and coded. */
  const walk = (named: readonly ReasonCode[], slots: number, p: number): void => {
    if (slots === 0) {
      for (const c of named) expected[c] += p;
      if (named.length > 0) coded += p;
      return;
    }
    let rest = p;
    for (const [c, q] of slot(named)) {
      walk([...named, c], slots - 1, p * q);
      rest -= p * q;
    }
    walk(named, slots - 1, rest);
  };

  const t = r.toolFailureRate[intent] ?? 0;
  const s = r.secondCodeRate;
  const branches: [readonly ReasonCode[], number, number][] = [
    [["tool_failure"], 0, t * (1 - s)],
    [["tool_failure"], 1, t * s],
    [[], 1, (1 - t) * (1 - s)],
    [[], 2, (1 - t) * s],
  ];
  for (const [named, slots, p] of branches) if (p > 0) walk(named, slots, r.codeRate * p);
  return { coded, expected };
}
