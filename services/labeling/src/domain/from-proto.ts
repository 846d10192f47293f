import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ComparisonChoice, FeedbackSource, OutcomeKind, Role, ThumbDirection } from "@rlhf-loop/proto";
import type { ChatMessage, Feedback, Interaction } from "@rlhf-loop/proto";
import type { FeedbackEvent, OutcomeName, PromptMessage, SourceName } from "./model.js";
import type { NewAnswer } from "./pair-builder.js";
import { answerHash, promptHash } from "./prompt.js";

export interface Violation {
  path: string;
  reason: string;
}

export const SOURCE_NAMES: Record<FeedbackSource, SourceName> = {
  [FeedbackSource.UNSPECIFIED]: "unspecified",
  [FeedbackSource.END_USER]: "end_user",
  [FeedbackSource.EXPERT]: "expert",
  [FeedbackSource.QA]: "qa",
  [FeedbackSource.SUPPORT]: "support",
  [FeedbackSource.SYSTEM]: "system",
};

export const SOURCE_ENUM: Record<SourceName, FeedbackSource> = {
  unspecified: FeedbackSource.UNSPECIFIED,
  end_user: FeedbackSource.END_USER,
  expert: FeedbackSource.EXPERT,
  qa: FeedbackSource.QA,
  support: FeedbackSource.SUPPORT,
  system: FeedbackSource.SYSTEM,
};

const OUTCOME_NAMES: Partial<Record<OutcomeKind, OutcomeName>> = {
  [OutcomeKind.ESCALATION]: "escalation",
  [OutcomeKind.REFUND]: "refund",
  [OutcomeKind.REOPEN]: "reopen",
  [OutcomeKind.COMPLIANCE_FLAG]: "compliance_flag",
};

const ROLES: Partial<Record<Role, PromptMessage["role"]>> = {
  [Role.SYSTEM]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
  [Role.TOOL]: "tool",
};

export const ROLE_ENUM: Record<PromptMessage["role"], Role> = { system: Role.SYSTEM, user: Role.USER, assistant: Role.ASSISTANT, tool: Role.TOOL };

function ms(t: Timestamp | undefined): number | undefined {
  return t === undefined ? undefined : timestampMs(t);
}

export function promptOf(messages: readonly ChatMessage[]): PromptMessage[] {
  // An unspecified role reads as the user speaking, like ingestion's normalization does not drop it.
  return messages.map((m) => ({ role: ROLES[m.role] ?? "user", content: m.content }));
}

/** What labeling keeps of an interaction: the answer for pairing plus the texts for datasets. */
export interface AnswerRecord extends NewAnswer {
  prompt: PromptMessage[];
  answer: string;
}

export function answerFromInteraction(i: Interaction, fallbackAtMs: number): { record: AnswerRecord } | { violations: Violation[] } {
  const violations: Violation[] = [];
  if (i.interactionId === "") violations.push({ path: "interaction_id", reason: "is required" });
  if (i.prompt.length === 0) violations.push({ path: "prompt", reason: "must hold at least one message" });
  if (violations.length > 0) return { violations };
  const prompt = promptOf(i.prompt);
  return {
    record: {
      tenantId: i.tenantId,
      interactionId: i.interactionId,
      conversationId: i.conversationId,
      turnIndex: i.turnIndex,
      promptHash: i.promptHash !== "" ? i.promptHash : promptHash(prompt),
      answerHash: answerHash(i.answer),
      segment: i.segment,
      modelVersion: i.modelVersion,
      regeneratedFrom: i.regeneratedFrom,
      atMs: ms(i.occurredAt) ?? ms(i.receivedAt) ?? fallbackAtMs,
      prompt,
      answer: i.answer,
    },
  };
}

export function feedbackEventOf(f: Feedback, fallbackAtMs: number): { event: FeedbackEvent } | { violations: Violation[] } {
  const violations: Violation[] = [];
  const id = f.feedbackId !== "" ? f.feedbackId : f.idempotencyKey;
  if (id === "") violations.push({ path: "feedback_id", reason: "is required (or an idempotency_key)" });
  if (f.interactionId === "") violations.push({ path: "interaction_id", reason: "is required" });
  let fact: FeedbackEvent["fact"] | undefined;
  switch (f.kind.case) {
    case "thumb":
      if (f.kind.value.direction === ThumbDirection.UP) fact = { kind: "thumb", up: true };
      else if (f.kind.value.direction === ThumbDirection.DOWN) fact = { kind: "thumb", up: false };
      else violations.push({ path: "thumb.direction", reason: "must be up or down" });
      break;
    case "rating":
      fact = { kind: "rating", score: f.kind.value.score, min: f.kind.value.scaleMin, max: f.kind.value.scaleMax };
      break;
    case "comparison": {
      const c = f.kind.value;
      const choice = c.choice === ComparisonChoice.THIS ? "this" : c.choice === ComparisonChoice.OTHER ? "other" : c.choice === ComparisonChoice.TIE ? "tie" : undefined;
      if (c.otherInteractionId === "") violations.push({ path: "comparison.other_interaction_id", reason: "is required" });
      if (choice === undefined) violations.push({ path: "comparison.choice", reason: "must be this, other or tie" });
      else fact = { kind: "comparison", otherId: c.otherInteractionId, choice };
      break;
    }
    case "outcome": {
      const name = OUTCOME_NAMES[f.kind.value.kind];
      if (name === undefined) violations.push({ path: "outcome.kind", reason: "must be escalation, refund, reopen or compliance_flag" });
      else fact = { kind: "outcome", outcome: name };
      break;
    }
    default:
      violations.push({ path: "kind", reason: "must be one of thumb, rating, comparison, outcome" });
  }
  if (violations.length > 0 || fact === undefined) return { violations };
  return {
    event: {
      feedbackId: id,
      tenantId: f.tenantId,
      interactionId: f.interactionId,
      source: SOURCE_NAMES[f.source] ?? "unspecified",
      raterId: f.raterId,
      rubricVersion: f.rubricVersion,
      atMs: ms(f.occurredAt) ?? ms(f.receivedAt) ?? fallbackAtMs,
      fact,
    },
  };
}
