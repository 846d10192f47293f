import type { FeedbackEvent, OutcomeName, SourceName } from "./model.js";
import type { NewAnswer } from "./pair-builder.js";
import { answerHash, promptHash } from "./prompt.js";

/** Small builders for the domain tests. */
export function ans(id: string, prompt: string, init: Partial<NewAnswer> & { text?: string } = {}): NewAnswer {
  return {
    tenantId: "t1",
    interactionId: id,
    conversationId: init.conversationId ?? `c-${id}`,
    turnIndex: init.turnIndex ?? 0,
    promptHash: promptHash([{ role: "user", content: prompt }]),
    answerHash: answerHash(init.text ?? `answer ${id}`),
    segment: init.segment ?? "consumer",
    modelVersion: "m1",
    regeneratedFrom: init.regeneratedFrom ?? "",
    atMs: init.atMs ?? 1_000,
    ...(init.tenantId ? { tenantId: init.tenantId } : {}),
  };
}

let seq = 0;
function fb(interactionId: string, fact: FeedbackEvent["fact"], init: { rater?: string; atMs?: number; source?: SourceName; id?: string; rubric?: string } = {}): FeedbackEvent {
  return {
    feedbackId: init.id ?? `f${++seq}`,
    tenantId: "t1",
    interactionId,
    source: init.source ?? "end_user",
    raterId: init.rater ?? `u${seq}`,
    rubricVersion: init.rubric ?? "",
    atMs: init.atMs ?? 2_000,
    fact,
  };
}

export const thumb = (id: string, up: boolean, init: Parameters<typeof fb>[2] = {}) => fb(id, { kind: "thumb", up }, init);
export const outcome = (id: string, outcome: OutcomeName, init: Parameters<typeof fb>[2] = {}) => fb(id, { kind: "outcome", outcome }, { source: "system", rater: "", ...init });
export const compare = (id: string, otherId: string, choice: "this" | "other" | "tie", init: Parameters<typeof fb>[2] = {}) => fb(id, { kind: "comparison", otherId, choice }, init);
export const rating = (id: string, score: number, init: Parameters<typeof fb>[2] = {}) => fb(id, { kind: "rating", score, min: 1, max: 5 }, init);
