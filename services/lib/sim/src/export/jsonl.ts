import { toJsonString } from "@bufbuild/protobuf";
import { IngestEventSchema } from "@rlhf-loop/proto";
import type { SimEvent } from "../world/world.js";

/**
 * One IngestEvent per line in the proto3 JSON mapping, exactly what `POST /v1/events:batch`
 * takes inside `events` (`{"interaction":{...}}`, `{"feedback":{...}}`, `{"outcome":{...}}`).
 */
export function jsonlLine(e: SimEvent): string {
  return toJsonString(IngestEventSchema, e.event) + "\n";
}

/** Hidden truth for an interaction or feedback event, one JSON object per line (key order fixed). */
export function truthLine(e: SimEvent): string | undefined {
  const ev = e.event.event;
  if (e.interaction && ev.case === "interaction") {
    const t = e.interaction;
    return (
      JSON.stringify({
        type: "interaction",
        interactionId: ev.value.interactionId,
        intent: t.intent,
        gold: t.gold,
        traits: t.traits,
        slots: t.slots,
        userId: t.userId,
        segment: t.segment,
        purpose: t.purpose,
        policy: t.policy,
      }) + "\n"
    );
  }
  if (e.feedback && ev.case === "feedback") {
    return JSON.stringify({ type: "feedback", idempotencyKey: e.idempotencyKey, interactionId: ev.value.interactionId, ...e.feedback }) + "\n";
  }
  return undefined;
}
