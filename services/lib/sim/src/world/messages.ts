import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ChatMessageSchema,
  ComparisonChoice,
  ComparisonSchema,
  CriterionJudgementSchema,
  FeedbackSchema,
  FeedbackSource,
  IngestEventSchema,
  InteractionSchema,
  OutcomeKind,
  OutcomeReportSchema,
  OutcomeSchema,
  Role,
  ThumbDirection,
  ThumbSchema,
  type IngestEvent,
} from "@rlhf-loop/proto";
import type { PromptMessage } from "../bot/policy.js";
import type { OutcomeKindName } from "../outcomes/outcomes.js";

const ROLE: Record<PromptMessage["role"], Role> = { system: Role.SYSTEM, user: Role.USER, assistant: Role.ASSISTANT };

export function interactionEvent(init: {
  interactionId: string;
  tenantId: string;
  conversationId: string;
  prompt: readonly PromptMessage[];
  answer: string;
  modelVersion: string;
  segment: string;
  at: number;
  metadata: Record<string, string>;
  regeneratedFrom?: string;
}): IngestEvent {
  const interaction = create(InteractionSchema, {
    interactionId: init.interactionId,
    tenantId: init.tenantId,
    conversationId: init.conversationId,
    turnIndex: 0,
    prompt: init.prompt.map((m) => create(ChatMessageSchema, { role: ROLE[m.role], content: m.content })),
    answer: init.answer,
    modelVersion: init.modelVersion,
    segment: init.segment,
    occurredAt: timestampFromMs(init.at),
    idempotencyKey: init.interactionId,
    metadata: init.metadata,
    regeneratedFrom: init.regeneratedFrom ?? "",
  });
  return create(IngestEventSchema, { event: { case: "interaction", value: interaction } });
}

interface FeedbackBase {
  interactionId: string;
  tenantId: string;
  raterId: string;
  idempotencyKey: string;
  at: number;
  rubricVersion?: string;
}

export function thumbEvent(init: FeedbackBase & { up: boolean; reasonCodes?: readonly string[] }): IngestEvent {
  const feedback = create(FeedbackSchema, {
    interactionId: init.interactionId,
    tenantId: init.tenantId,
    source: FeedbackSource.END_USER,
    raterId: init.raterId,
    reasonCodes: [...(init.reasonCodes ?? [])],
    idempotencyKey: init.idempotencyKey,
    occurredAt: timestampFromMs(init.at),
    kind: { case: "thumb", value: create(ThumbSchema, { direction: init.up ? ThumbDirection.UP : ThumbDirection.DOWN }) },
  });
  return create(IngestEventSchema, { event: { case: "feedback", value: feedback } });
}

const CHOICE = { this: ComparisonChoice.THIS, other: ComparisonChoice.OTHER, tie: ComparisonChoice.TIE } as const;
export type Choice = keyof typeof CHOICE;

export function comparisonEvent(
  init: FeedbackBase & {
    source: "end_user" | "expert";
    otherInteractionId: string;
    choice: Choice;
    criteria?: { criterion: string; choice: Choice }[];
  },
): IngestEvent {
  const feedback = create(FeedbackSchema, {
    interactionId: init.interactionId,
    tenantId: init.tenantId,
    source: init.source === "expert" ? FeedbackSource.EXPERT : FeedbackSource.END_USER,
    raterId: init.raterId,
    rubricVersion: init.rubricVersion ?? "",
    idempotencyKey: init.idempotencyKey,
    occurredAt: timestampFromMs(init.at),
    kind: {
      case: "comparison",
      value: create(ComparisonSchema, {
        otherInteractionId: init.otherInteractionId,
        choice: CHOICE[init.choice],
        criteria: (init.criteria ?? []).map((c) => create(CriterionJudgementSchema, { criterion: c.criterion, choice: CHOICE[c.choice] })),
      }),
    },
  });
  return create(IngestEventSchema, { event: { case: "feedback", value: feedback } });
}

const OUTCOME: Record<OutcomeKindName, OutcomeKind> = {
  escalation: OutcomeKind.ESCALATION,
  refund: OutcomeKind.REFUND,
  reopen: OutcomeKind.REOPEN,
  compliance_flag: OutcomeKind.COMPLIANCE_FLAG,
};

export function outcomeEvent(init: {
  interactionId: string;
  tenantId: string;
  idempotencyKey: string;
  at: number;
  kind: OutcomeKindName;
  amountMinor: number;
  detail: string;
}): IngestEvent {
  const report = create(OutcomeReportSchema, {
    interactionId: init.interactionId,
    tenantId: init.tenantId,
    idempotencyKey: init.idempotencyKey,
    occurredAt: timestampFromMs(init.at),
    source: FeedbackSource.SYSTEM,
    outcome: create(OutcomeSchema, {
      kind: OUTCOME[init.kind],
      amountMinor: BigInt(init.amountMinor),
      currency: init.amountMinor > 0 ? "USD" : "",
      detail: init.detail,
    }),
  });
  return create(IngestEventSchema, { event: { case: "outcome", value: report } });
}
