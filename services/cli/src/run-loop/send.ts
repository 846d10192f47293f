// Sends the validated events to ingestion through the SDK a chat product would use: every
// interaction first, then the feedback on them (one batch in flight keeps that order), with
// backpressure so a large file never overflows the client's buffer.
import { FeedbackClient, type FeedbackClientError } from "@rlhf-loop/client";
import type { InteractionEvent, SignalEvent } from "./validate.js";

export interface SendResult {
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly complete: boolean;
  /** The first few delivery errors, each naming the input line of the event. */
  readonly errors: string[];
}

export interface SendOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly onProgress?: (p: { sent: number; delivered: number; total: number }) => void;
  /** Pause while this many events are buffered. Default 5,000. */
  readonly maxBuffered?: number;
  /**
   * Called once every interaction is acknowledged, before any feedback is sent (the run waits
   * there for the consumers, so no consumer ever sees feedback before the answer it is about).
   */
  readonly afterInteractions?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendEvents(interactions: readonly InteractionEvent[], signals: readonly SignalEvent[], o: SendOptions): Promise<SendResult> {
  const lineOf = new Map<string, number>();
  for (const i of interactions) lineOf.set(i.idempotencyKey, i.line);
  for (const s of signals) lineOf.set(s.idempotencyKey, s.line);
  const errors: string[] = [];
  const onError = (e: FeedbackClientError) => {
    if (errors.length >= 10) return;
    const lines = [...new Set(e.events.map((ev) => lineOf.get(ev.idempotencyKey)).filter((l) => l !== undefined))].slice(0, 5);
    const fields = e.fields.map((f) => `${f.path}: ${f.reason}`).join("; ");
    errors.push(`${e.code}${lines.length ? ` (line ${lines.join(", ")})` : ""}: ${e.message}${fields ? ` — ${fields}` : ""}`);
  };
  const client = new FeedbackClient({ url: o.url, apiKey: o.apiKey, maxQueueEvents: 20_000, flushIntervalMs: 100, onError });
  const total = interactions.length + signals.length;
  const maxBuffered = o.maxBuffered ?? 5_000;
  let sent = 0;
  let last = 0;
  const pace = async () => {
    sent++;
    for (let s = client.stats(); s.queued + s.inFlight >= maxBuffered; s = client.stats()) await sleep(10);
    if (o.onProgress && Date.now() - last > 2_000) {
      last = Date.now();
      o.onProgress({ sent, delivered: client.stats().delivered, total });
    }
  };

  for (const i of interactions) {
    client.interaction({
      interactionId: i.interactionId,
      conversationId: i.conversationId,
      prompt: i.prompt.map((m) => ({ role: m.role, content: m.content })),
      answer: i.answer,
      modelVersion: i.modelVersion,
      segment: i.segment,
      metadata: { ...i.metadata },
      regeneratedFrom: i.regeneratedFrom,
      idempotencyKey: i.idempotencyKey,
      ...(i.occurredAt ? { occurredAt: i.occurredAt } : {}),
    });
    await pace();
  }
  if (o.afterInteractions) {
    await client.flush({ timeoutMs: 120_000 });
    await o.afterInteractions();
  }
  for (const s of signals) {
    const common = {
      interactionId: s.interactionId,
      idempotencyKey: s.idempotencyKey,
      ...(s.occurredAt ? { occurredAt: s.occurredAt } : {}),
      ...(s.reasonCodes.length ? { reasonCodes: s.reasonCodes } : {}),
    };
    const feedback = { ...common, source: s.source, raterId: s.raterId, rubricVersion: s.rubricVersion, comment: s.comment };
    switch (s.kind) {
      case "thumb":
        client.thumb({ ...feedback, direction: s.direction });
        break;
      case "rating":
        client.rating({ ...feedback, score: s.score, scaleMin: s.scaleMin, scaleMax: s.scaleMax });
        break;
      case "comparison":
        client.comparison({ ...feedback, otherInteractionId: s.otherInteractionId, choice: s.choice, criteria: s.criteria.map((c) => ({ criterion: c.criterion, choice: c.choice })) });
        break;
      case "outcome":
        client.outcome({ ...common, kind: s.outcome, source: s.source, amountMinor: s.amountMinor, currency: s.currency, detail: s.detail });
        break;
    }
    await pace();
  }
  await client.shutdown({ timeoutMs: 60_000 });
  const st = client.stats();
  o.onProgress?.({ sent, delivered: st.delivered, total });
  return { sent, delivered: st.delivered, dropped: st.dropped, complete: st.delivered === sent && st.dropped === 0, errors };
}
