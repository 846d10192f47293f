import type { EventResult } from "../accept/pipeline.js";

/** RecordResponse JSON with every field present (toJson would drop `duplicate: false`). */
export function recordResponseJson(r: EventResult): { eventId: string; idempotencyKey: string; duplicate: boolean } {
  return { eventId: r.eventId, idempotencyKey: r.idempotencyKey, duplicate: r.duplicate };
}

export function batchResponseJson(results: readonly EventResult[]): {
  results: ReturnType<typeof recordResponseJson>[];
  accepted: number;
  duplicates: number;
} {
  const duplicates = results.filter((r) => r.duplicate).length;
  return { results: results.map(recordResponseJson), accepted: results.length - duplicates, duplicates };
}

/** 202 when anything new was accepted; 200 when every event was a duplicate. */
export function statusOf(results: readonly EventResult[]): 200 | 202 {
  return results.every((r) => r.duplicate) ? 200 : 202;
}
