// Browser-safe entry: fetch, CompressionStream and crypto only. Node-only pieces (gRPC, the test
// sink) live behind their own subpaths so bundlers never pull them in.
export {
  FeedbackClient,
  type FeedbackClientOptions,
  type FlushResult,
  type ClientStats,
  type RetryOptions,
} from "./client/feedback-client.js";
export type {
  InteractionInput,
  ThumbInput,
  RatingInput,
  ComparisonInput,
  OutcomeInput,
  ChatMessageInput,
  EventCommon,
  EnqueueResult,
  InteractionResult,
  RoleInput,
  FeedbackSourceInput,
  ThumbDirectionInput,
  ComparisonChoiceInput,
  OutcomeKindInput,
} from "./events/inputs.js";
export type { FieldViolation, EventKind } from "./events/build.js";
export { REASON_CODES, REASON_LABELS, isReasonCode, type ReasonCode } from "./events/reason-codes.js";
export { FeedbackClientError, DROP_REASONS, type DropReason, type EventRef, type RetryInfo } from "./delivery/errors.js";
export type { DropPolicy } from "./delivery/event-queue.js";
export { retryDelayMs, parseRetryAfter, type BackoffPolicy } from "./delivery/backoff.js";
export { HttpTransport, type HttpTransportOptions } from "./transport/http.js";
export type { Transport, EncodedEvent, SendOutcome, SendOptions, BatchResult } from "./transport/types.js";
export { violationsByEvent } from "./transport/types.js";
