/** Valid proto3-JSON bodies, one per event shape; tests mutate copies of them. */
export function validInteraction(id = "ix-1"): Record<string, unknown> {
  return {
    interactionId: id,
    conversationId: "conv-1",
    turnIndex: 0,
    prompt: [
      { role: "ROLE_SYSTEM", content: "You are a support assistant." },
      { role: "ROLE_USER", content: "Where is my refund?" },
    ],
    answer: "Refunds arrive within 5 business days.",
    modelVersion: "bot-2024-05",
    segment: "smb",
    occurredAt: "2024-05-01T10:00:00Z",
    metadata: { channel: "web" },
  };
}

export function validThumb(interactionId = "ix-1"): Record<string, unknown> {
  return {
    interactionId,
    source: "FEEDBACK_SOURCE_END_USER",
    raterId: "user-7",
    thumb: { direction: "THUMB_DIRECTION_UP" },
    idempotencyKey: `thumb-${interactionId}`,
  };
}

export function validRating(interactionId = "ix-1"): Record<string, unknown> {
  return {
    interactionId,
    source: "FEEDBACK_SOURCE_EXPERT",
    rating: { score: 4, scaleMin: 1, scaleMax: 5 },
    rubricVersion: "r1",
    reasonCodes: ["accurate", "polite"],
  };
}

export function validComparison(interactionId = "ix-1", other = "ix-2"): Record<string, unknown> {
  return {
    interactionId,
    source: "FEEDBACK_SOURCE_QA",
    comparison: {
      otherInteractionId: other,
      choice: "COMPARISON_CHOICE_THIS",
      criteria: [{ criterion: "policy", choice: "COMPARISON_CHOICE_TIE" }],
    },
  };
}

export function validFeedbackOutcome(interactionId = "ix-1"): Record<string, unknown> {
  return {
    interactionId,
    source: "FEEDBACK_SOURCE_SUPPORT",
    outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "1299", currency: "EUR" },
  };
}

export function validOutcomeReport(interactionId = "ix-1"): Record<string, unknown> {
  return {
    interactionId,
    outcome: { kind: "OUTCOME_KIND_ESCALATION", detail: "customer asked for a human" },
    occurredAt: "2024-05-01T12:00:00Z",
  };
}
