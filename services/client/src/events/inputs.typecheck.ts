// Compile-time tests, checked by `tsc -b services/client`: each @ts-expect-error must be an
// error, so a field the server does not accept (or a missing required one) fails the build.
import { ThumbDirection, Role } from "@rlhf-loop/proto";
import type { FeedbackClient } from "../client/feedback-client.js";

export function typeChecks(c: FeedbackClient): void {
  c.thumb({ interactionId: "i", direction: "up" });
  c.thumb({ interactionId: "i", direction: ThumbDirection.DOWN, reasonCodes: ["too_long", "incorrect"] });
  c.interaction({ prompt: [{ role: Role.USER, content: "q" }], answer: "a" });
  c.outcome({ interactionId: "i", kind: "escalation" });
  c.comparison({ interactionId: "i", otherInteractionId: "j", choice: "other" });
  c.rating({ interactionId: "i", score: 3, scaleMin: 1, scaleMax: 5 });

  // @ts-expect-error tenantId is set by ingestion from the API key
  c.thumb({ interactionId: "i", direction: "up", tenantId: "t" });
  // @ts-expect-error feedbackId is set by ingestion
  c.thumb({ interactionId: "i", direction: "up", feedbackId: "f" });
  // @ts-expect-error receivedAt is set by ingestion
  c.rating({ interactionId: "i", score: 1, receivedAt: new Date() });
  // @ts-expect-error promptHash is computed by ingestion
  c.interaction({ prompt: [{ role: "user", content: "q" }], answer: "a", promptHash: "x" });
  // @ts-expect-error a thumb carries no rating fields
  c.thumb({ interactionId: "i", direction: "up", score: 3 });
  // @ts-expect-error the UNSPECIFIED enum value is rejected by the server
  c.thumb({ interactionId: "i", direction: ThumbDirection.UNSPECIFIED });
  // @ts-expect-error not a direction
  c.thumb({ interactionId: "i", direction: "sideways" });
  // @ts-expect-error interactionId is required on feedback
  c.thumb({ direction: "up" });
  // @ts-expect-error unknown reason code
  c.thumb({ interactionId: "i", direction: "down", reasonCodes: ["meh"] });
  // @ts-expect-error answer is required
  c.interaction({ prompt: [{ role: "user", content: "q" }] });
  // @ts-expect-error role must be specified
  c.interaction({ prompt: [{ role: Role.UNSPECIFIED, content: "q" }], answer: "a" });
  // @ts-expect-error outcome kind is required
  c.outcome({ interactionId: "i" });
  // @ts-expect-error comparisons need the other interaction
  c.comparison({ interactionId: "i", choice: "this" });
}
