import type { WorldConfig } from "../config/schema.js";
import type { IntentId } from "../domain/intents.js";
import type { Expert } from "../people/experts.js";
import type { Population, SimUser } from "../people/users.js";
import { segmentIntentMix } from "./mix.js";

/** The hidden parameters of a world, for evaluators and tests. */
export interface WorldTruth {
  seed: string;
  id: string;
  config: WorldConfig;
  segments: {
    name: string;
    shareBeforeDrift: number;
    shareAfterDrift: number;
    thumbBias: number;
    lengthPenalty: number;
    users: number;
    intentMixBeforeDrift: Record<IntentId, number>;
    intentMixAfterDrift: Record<IntentId, number>;
    /** Share of the segment's chats that come from uncertainty punishers. */
    punisherChatShare: number;
    /** Expected share of the segment's votes that are careless clicks. */
    carelessVoteShare: number;
  }[];
  users: SimUser[];
  raters: WorldConfig["users"];
  experts: (Expert & { rubricV1UntilDay: number })[];
  rubric: { changeDay: number; before: "rubric-v1"; after: "rubric-v2" };
  drift: WorldConfig["drift"];
}

export function worldTruth(config: WorldConfig, seed: string, id: string, pop: Population, experts: readonly Expert[]): WorldTruth {
  const sumS = config.segments.reduce((s, x) => s + x.share, 0);
  const sumA = config.segments.reduce((s, x) => s + x.shareAfterDrift, 0);
  const lastBefore = Math.max(0, config.drift.day - 1);
  return {
    seed,
    id,
    config,
    segments: config.segments.map((s, si) => {
      const members = pop.segments[si]?.users ?? [];
      let act = 0;
      let pun = 0;
      let votes = 0;
      let careless = 0;
      for (const u of members) {
        act += u.activity;
        if (u.punishesUncertainty) pun += u.activity;
        votes += u.activity * u.voteProb;
        careless += u.activity * u.voteProb * u.careless;
      }
      return {
        name: s.name,
        shareBeforeDrift: s.share / sumS,
        shareAfterDrift: s.shareAfterDrift / sumA,
        thumbBias: s.thumbBias,
        lengthPenalty: s.lengthPenalty,
        users: members.length,
        intentMixBeforeDrift: segmentIntentMix(config, si, config.drift.enabled ? lastBefore : 0),
        intentMixAfterDrift: segmentIntentMix(config, si, config.drift.enabled ? config.drift.day : 0),
        punisherChatShare: act > 0 ? pun / act : 0,
        carelessVoteShare: votes > 0 ? careless / votes : 0,
      };
    }),
    users: pop.users.map((u) => ({ ...u })),
    raters: { ...config.users },
    experts: experts.map((e) => ({
      ...e,
      rubricV1UntilDay: e.lagging ? config.experts.rubricChangeDay + config.experts.lagDays : config.experts.rubricChangeDay,
    })),
    rubric: { changeDay: config.experts.rubricChangeDay, before: "rubric-v1", after: "rubric-v2" },
    drift: { ...config.drift },
  };
}
