import type { WorldConfig } from "../config/schema.js";
import { INTENTS, type IntentId } from "../domain/intents.js";
import type { PolicyNumbers, Slots } from "../domain/slots.js";
import { Rng } from "../random/rng.js";
import { renderAnswer, type StylePlan } from "./render.js";
import type { AnswerTraits } from "./traits.js";

/** A chat message as the world hands it to a policy. */
export interface PromptMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface AnswerRequest {
  interactionId: string;
  /** The exact messages the model sees. */
  prompt: readonly PromptMessage[];
  segment: string;
  /** Seed for any sampling the policy does, so the world stays deterministic for a seed. */
  seed: string;
  /**
   * What the product's back office knows (the order, the account). The production bot uses it;
   * a learned policy must answer from `prompt` alone.
   */
  backOffice: { intent: IntentId; slots: Slots };
}

export interface PolicyAnswer {
  text: string;
  /** The model or policy version that wrote it (Interaction.model_version). */
  modelVersion: string;
  /** Known traits, when the policy knows them; otherwise the world infers them from the text. */
  traits?: AnswerTraits;
}

/**
 * The seam through which the bot answers. The default is the production style mix; once a
 * policy is promoted, an adapter over its Generate call answers new traffic instead
 * (see `textPolicy`). Answers come back in request order.
 */
export interface AnswerPolicy {
  readonly name: string;
  answer(requests: readonly AnswerRequest[]): readonly PolicyAnswer[] | Promise<readonly PolicyAnswer[]>;
}

type Style = WorldConfig["bot"]["style"];

/** Draws what the production bot means to write for one request. */
export function sampleStylePlan(style: Style, intent: IntentId, rng: Rng): StylePlan {
  const info = INTENTS[intent];
  const clarify = rng.chance(info.ambiguous ? style.clarifyOnAmbiguous : style.clarifyOnClear);
  const refuse = !clarify && rng.chance(style.refusal);
  const followed = rng.chance(style.policyFollowedByIntent[intent] ?? style.policyFollowed);
  return {
    mode: clarify ? "clarify" : refuse ? "refuse" : "act",
    policy: followed ? "followed" : "broken",
    citesPolicy: rng.chance(style.citesPolicy),
    steps: rng.chance(style.steps),
    hedged: rng.chance(style.hedged),
    disclaimer: rng.chance(style.disclaimer),
    tone: rng.weightedKey(style.tone),
    length: rng.weightedKey(style.length),
  };
}

/** The production bot: a mix of styles rendered from the phrase banks. */
export function productionPolicy(config: WorldConfig): AnswerPolicy {
  const policy: PolicyNumbers = config.policy;
  const style = config.bot.style;
  const modelVersion = config.bot.modelVersion;
  return {
    name: "production",
    answer(requests) {
      return requests.map((req) => {
        const rng = new Rng(req.seed);
        const plan = sampleStylePlan(style, req.backOffice.intent, rng);
        const rendered = renderAnswer(req.backOffice.intent, req.backOffice.slots, plan, rng, policy);
        return { text: rendered.text, modelVersion, traits: rendered.traits };
      });
    },
  };
}

/**
 * Wraps a text generator (for example a promoted policy's Generate gRPC call) as an
 * AnswerPolicy. It sees only the prompt and seed; traits are inferred from its text.
 */
export function textPolicy(
  name: string,
  modelVersion: string,
  generate: (requests: readonly { prompt: readonly PromptMessage[]; seed: string }[]) => Promise<readonly string[]>,
): AnswerPolicy {
  return {
    name,
    async answer(requests) {
      const texts = await generate(requests.map((r) => ({ prompt: r.prompt, seed: r.seed })));
      if (texts.length !== requests.length) {
        throw new Error(`policy ${name} returned ${texts.length} answers for ${requests.length} prompts`);
      }
      return texts.map((text) => ({ text, modelVersion }));
    },
  };
}
