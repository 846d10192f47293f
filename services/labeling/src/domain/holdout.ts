// The canary holdout (proto's isCanaryHoldout): conversations kept out of every training set so
// the canary measures policies on traffic they never learned from. Labeling applies it to the
// evidence itself: feedback on a held-out answer makes no vote and no pair, a comparison or review
// task touching one makes no pair, and a snapshot or pair publication drops any stored pair that
// touches one (pairs stored before the rule existed).
import { isCanaryHoldout } from "@rlhf-loop/proto";
import type { Answer } from "./model.js";

export function heldOut(a: Pick<Answer, "tenantId" | "conversationId" | "interactionId">): boolean {
  return isCanaryHoldout(a.tenantId, a.conversationId, a.interactionId);
}

/** A pair with the conversation ids of both its answers. */
export interface PairConversations {
  readonly tenantId: string;
  readonly chosenId: string;
  readonly rejectedId: string;
  readonly chosenConversationId: string;
  readonly rejectedConversationId: string;
}

export function pairHeldOut(p: PairConversations): boolean {
  return (
    heldOut({ tenantId: p.tenantId, conversationId: p.chosenConversationId, interactionId: p.chosenId }) ||
    heldOut({ tenantId: p.tenantId, conversationId: p.rejectedConversationId, interactionId: p.rejectedId })
  );
}
