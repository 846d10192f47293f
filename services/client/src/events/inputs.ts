import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ComparisonChoice,
  ComparisonSchema,
  FeedbackSchema,
  FeedbackSource,
  InteractionSchema,
  OutcomeKind,
  OutcomeReportSchema,
  OutcomeSchema,
  RatingSchema,
  Role,
  ThumbDirection,
} from "@rlhf-loop/proto";
import type { ReasonCode } from "./reason-codes.js";

// The inputs are cut from the generated init shapes, so renaming a proto field breaks callers at
// compile time, and fields the server sets itself (tenant, ids, hashes, receive time) are absent:
// passing one is an excess-property error.

type InteractionInit = MessageInitShape<typeof InteractionSchema>;
type FeedbackInit = MessageInitShape<typeof FeedbackSchema>;
type RatingInit = MessageInitShape<typeof RatingSchema>;
type ComparisonInit = MessageInitShape<typeof ComparisonSchema>;
type OutcomeInit = MessageInitShape<typeof OutcomeSchema>;
type OutcomeReportInit = MessageInitShape<typeof OutcomeReportSchema>;

/** An enum value other than the proto3 zero value, which the server rejects. */
type Specified<E extends number, Zero extends E> = Exclude<E, Zero>;
/** Lower-case names of an enum's values without its prefix, e.g. "up" | "down". */
type EnumName<T extends object> = Exclude<Lowercase<Extract<keyof T, string>>, "unspecified">;

export type RoleInput = Specified<Role, Role.UNSPECIFIED> | EnumName<typeof Role>;
export type FeedbackSourceInput = Specified<FeedbackSource, FeedbackSource.UNSPECIFIED> | EnumName<typeof FeedbackSource>;
export type ThumbDirectionInput = Specified<ThumbDirection, ThumbDirection.UNSPECIFIED> | EnumName<typeof ThumbDirection>;
export type ComparisonChoiceInput =
  | Specified<ComparisonChoice, ComparisonChoice.UNSPECIFIED>
  | EnumName<typeof ComparisonChoice>;
export type OutcomeKindInput = Specified<OutcomeKind, OutcomeKind.UNSPECIFIED> | EnumName<typeof OutcomeKind>;

/** Options every event accepts. */
export interface EventCommon {
  /** When it happened; defaults to the moment the method is called. */
  occurredAt?: Date;
  /**
   * Deduplication key. Generated (random UUID) when absent; pass your own (for example a row id
   * from your database) to make a re-sent event after a process restart a no-op too.
   */
  idempotencyKey?: string;
}

export interface ChatMessageInput {
  role: RoleInput;
  content: string;
}

/** One answer your product showed, with the exact prompt the model saw. */
export type InteractionInput = EventCommon &
  Pick<InteractionInit, "conversationId" | "turnIndex" | "modelVersion" | "segment" | "metadata" | "regeneratedFrom"> & {
    /** Unique within your tenant ([A-Za-z0-9._:-], 1..200 chars); a UUID is generated when absent. */
    interactionId?: NonNullable<InteractionInit["interactionId"]>;
    prompt: readonly ChatMessageInput[];
    answer: NonNullable<InteractionInit["answer"]>;
  };

type FeedbackCommon = EventCommon &
  Pick<FeedbackInit, "raterId" | "rubricVersion" | "comment"> & {
    interactionId: NonNullable<FeedbackInit["interactionId"]>;
    /** Defaults to the client's `defaultSource` (end user unless configured). */
    source?: FeedbackSourceInput;
    reasonCodes?: readonly ReasonCode[];
  };

export type ThumbInput = FeedbackCommon & { direction: ThumbDirectionInput };

export type RatingInput = FeedbackCommon & {
  score: NonNullable<RatingInit["score"]>;
  /** Defaults to 1. */
  scaleMin?: RatingInit["scaleMin"];
  /** Defaults to 5. */
  scaleMax?: RatingInit["scaleMax"];
};

export type ComparisonInput = FeedbackCommon & {
  otherInteractionId: NonNullable<ComparisonInit["otherInteractionId"]>;
  /** Which answer won, seen from `interactionId`. */
  choice: ComparisonChoiceInput;
  criteria?: readonly { criterion: string; choice: ComparisonChoiceInput }[];
};

/** A business outcome (escalation, refund, reopen, compliance flag) reported for an interaction. */
export type OutcomeInput = EventCommon &
  Pick<OutcomeInit, "currency" | "detail"> & {
    /** Money involved (refund amount) in minor units; a safe integer or a bigint. */
    amountMinor?: NonNullable<OutcomeInit["amountMinor"]> | number;
    interactionId: NonNullable<OutcomeReportInit["interactionId"]>;
    kind: OutcomeKindInput;
    /** Defaults to the system source (back office). */
    source?: FeedbackSourceInput;
    reasonCodes?: readonly ReasonCode[];
  };

/** What an event method returns. It never throws; `queued: false` means it was dropped (see onError). */
export interface EnqueueResult {
  queued: boolean;
  idempotencyKey: string;
}

export interface InteractionResult extends EnqueueResult {
  /** The id to attach feedback to (yours, or the generated one). */
  interactionId: string;
}
