import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatMessageSchema, PairSource, PreferencePairSchema, WeightContributionSchema } from "@rlhf-loop/proto";
import type { PreferencePair } from "@rlhf-loop/proto";
import { ROLE_ENUM, SOURCE_ENUM } from "./from-proto.js";
import type { Contribution, PairDraft, PairSourceName, PromptMessage } from "./model.js";
import { pairWeight } from "./model.js";

export const PAIR_SOURCE_ENUM: Record<PairSourceName, PairSource> = {
  comparison: PairSource.COMPARISON,
  thumbs: PairSource.THUMBS,
  rating: PairSource.RATING,
  outcome: PairSource.OUTCOME,
  expert_review: PairSource.EXPERT_REVIEW,
  import: PairSource.IMPORT,
};

export const PAIR_SOURCE_NAME: Partial<Record<PairSource, PairSourceName>> = Object.fromEntries(Object.entries(PAIR_SOURCE_ENUM).map(([k, v]) => [v, k])) as Partial<
  Record<PairSource, PairSourceName>
>;

export interface PairTexts {
  prompt: PromptMessage[];
  chosen: string;
  rejected: string;
  chosenModelVersion: string;
  rejectedModelVersion: string;
  createdAtMs: number;
}

export function contributionProto(c: Contribution) {
  return create(WeightContributionSchema, {
    raterId: c.raterId,
    source: SOURCE_ENUM[c.source],
    segment: c.segment,
    weight: c.weight,
    evidenceId: c.evidenceId,
    occurredAt: timestampFromMs(c.atMs),
  });
}

export function promptProto(prompt: readonly PromptMessage[]) {
  return prompt.map((m) => create(ChatMessageSchema, { role: ROLE_ENUM[m.role], content: m.content }));
}

/** The pair as published on rlhf.pairs.v1 and stored in snapshots. */
export function pairProto(p: PairDraft & PairTexts): PreferencePair {
  return create(PreferencePairSchema, {
    pairId: p.pairId,
    tenantId: p.tenantId,
    promptHash: p.promptHash,
    prompt: promptProto(p.prompt),
    chosenInteractionId: p.chosenId,
    rejectedInteractionId: p.rejectedId,
    chosen: p.chosen,
    rejected: p.rejected,
    source: PAIR_SOURCE_ENUM[p.source],
    weight: pairWeight(p),
    contributions: p.contributions.map(contributionProto),
    rubricVersion: p.rubricVersion,
    samplingWeight: p.samplingWeight,
    stratum: p.stratum,
    chosenModelVersion: p.chosenModelVersion,
    rejectedModelVersion: p.rejectedModelVersion,
    createdAt: timestampFromMs(p.createdAtMs),
    superseded: p.superseded,
  });
}
