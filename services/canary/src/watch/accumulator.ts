// Folds one tenant's interactions, feedback and outcomes into weekly aggregates. Feedback and outcomes
// count in the week (and segment) of the interaction they are about, so a week's rates are per its own
// questions; what arrives about an interaction not seen counts in the week it occurred, segment "unknown".

import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { FeedbackSource, OutcomeKind, Role, ThumbDirection, type Feedback, type IngestEvent, type Interaction, type OutcomeReport } from "@rlhf-loop/proto";
import { RepeatTracker, type RepeatOptions } from "./repeat.js";
import { bump, emptyWeek, keyFor, segmentOf, UNKNOWN_KEY, weekStartOf, type OutcomeName, type WeekAggregate } from "./week.js";

export interface WeekAccumulatorOptions {
  tenantId: string;
  /** How long an interaction is remembered to join its feedback and outcomes (ms; default 8 days). */
  retentionMs?: number;
  /** Repeat-question window and near-duplicate threshold (default 24 h, Jaccard 0.8). */
  repeat?: Partial<RepeatOptions>;
  /** Distinct intents, segments or reason codes kept per week; more count under "(other)" (default 200). */
  maxKeys?: number;
}

/** An event the accumulator cannot use (another tenant, no time); the consumer dead-letters it. */
export class WatchInputError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "WatchInputError";
  }
}

const OUTCOME: Partial<Record<OutcomeKind, OutcomeName>> = {
  [OutcomeKind.ESCALATION]: "escalation",
  [OutcomeKind.REFUND]: "refund",
  [OutcomeKind.REOPEN]: "reopen",
  [OutcomeKind.COMPLIANCE_FLAG]: "compliance_flag",
};

interface Seen {
  at: number;
  week: string;
  segment: string;
}

const HOUR_MS = 3_600_000;

export class WeekAccumulator {
  readonly tenantId: string;
  private readonly retentionMs: number;
  private readonly maxKeys: number;
  private readonly repeats: RepeatTracker;
  private readonly repeatWindowMs: number;
  private partials = new Map<string, WeekAggregate>();
  /** Interactions by id (insertion order, pruned by time): joins feedback, drops duplicates. */
  private readonly interactions = new Map<string, Seen>();
  private readonly conversations = new Map<string, number>();
  private readonly feedbackIds = new Map<string, number>();
  /** Newest event time seen, and when state was last pruned. */
  private watermark = -Infinity;
  private prunedAt = -Infinity;

  constructor(opts: WeekAccumulatorOptions) {
    this.tenantId = opts.tenantId;
    this.retentionMs = opts.retentionMs ?? 8 * 24 * HOUR_MS;
    this.maxKeys = opts.maxKeys ?? 200;
    if (!(this.retentionMs > 0)) throw new RangeError(`WeekAccumulator: retentionMs must be > 0, got ${this.retentionMs}`);
    if (!(Number.isInteger(this.maxKeys) && this.maxKeys >= 1)) throw new RangeError(`WeekAccumulator: maxKeys must be an integer >= 1, got ${this.maxKeys}`);
    this.repeats = new RepeatTracker(opts.repeat);
    this.repeatWindowMs = opts.repeat?.windowMs ?? 24 * HOUR_MS;
  }

  /** Any ingest event: an interaction, feedback, or an outcome report as the product sends it. */
  addEvent(e: IngestEvent): void {
    switch (e.event.case) {
      case "interaction":
        return this.addInteraction(e.event.value);
      case "feedback":
        return this.addFeedback(e.event.value);
      case "outcome":
        return this.addOutcome(e.event.value);
      case undefined:
        throw new WatchInputError("event", "empty ingest event");
    }
  }

  addInteraction(i: Interaction): void {
    this.checkTenant(i.tenantId, "interaction.tenantId");
    if (i.interactionId === "") throw new WatchInputError("interaction.interactionId", "required");
    if (this.interactions.has(i.interactionId)) return; // redelivered
    const at = this.timeOf(i.occurredAt, i.receivedAt, "interaction.occurredAt");
    const week = this.week(at);
    const segKey = keyFor(week.segments, i.segment, this.maxKeys);
    this.interactions.set(i.interactionId, { at, week: week.weekStart, segment: segKey });
    week.interactions++;
    if (i.conversationId !== "" && !this.conversations.has(i.conversationId)) {
      this.conversations.set(i.conversationId, at);
      week.conversations++;
    }
    if (i.regeneratedFrom !== "") return; // a second answer to a question already counted
    week.questions++;
    bump(week.intents, keyFor(week.intents, i.metadata["intent"] ?? "", this.maxKeys));
    segmentOf(week, segKey).questions++;
    const user = i.metadata["user_id"] || i.conversationId;
    const question = lastUserMessage(i);
    if (user !== "" && question !== undefined && normalizedNonEmpty(question)) {
      week.repeat.questions++;
      // The tags are weeks: an out-of-order earlier question can make a question of another week a repeat.
      for (const tag of this.repeats.ask(user, at, question, week.weekStart)) this.weekOf(tag).repeat.repeats++;
    }
  }

  addFeedback(f: Feedback): void {
    this.checkTenant(f.tenantId, "feedback.tenantId");
    const id = f.feedbackId || f.idempotencyKey;
    if (id !== "" && this.feedbackIds.has(id)) return; // redelivered
    const at = this.timeOf(f.occurredAt, f.receivedAt, "feedback.occurredAt");
    if (id !== "") this.feedbackIds.set(id, at);
    if (f.kind.case === "outcome") return this.countOutcome(f.interactionId, at, f.kind.value.kind);
    if (f.kind.case !== "thumb" || f.source !== FeedbackSource.END_USER) return; // ratings, comparisons, staff thumbs: not watched here
    const { week, segment } = this.attribute(f.interactionId, at);
    const seg = segmentOf(week, segment);
    if (f.kind.value.direction === ThumbDirection.UP) seg.thumbsUp++;
    else if (f.kind.value.direction === ThumbDirection.DOWN) {
      seg.thumbsDown++;
      week.thumbsDown.total++;
      const codes = [...new Set(f.reasonCodes.map((c) => c.trim()).filter((c) => c !== ""))];
      if (codes.length > 0) week.thumbsDown.coded++;
      for (const c of codes) bump(week.thumbsDown.codes, keyFor(week.thumbsDown.codes, c, this.maxKeys));
    }
  }

  /** An outcome as the product reports it (ingestion republishes it as Feedback of kind outcome). */
  addOutcome(o: OutcomeReport): void {
    this.checkTenant(o.tenantId, "outcome.tenantId");
    if (o.idempotencyKey !== "" && this.feedbackIds.has(o.idempotencyKey)) return;
    const at = this.timeOf(o.occurredAt, undefined, "outcome.occurredAt");
    if (o.idempotencyKey !== "") this.feedbackIds.set(o.idempotencyKey, at);
    this.countOutcome(o.interactionId, at, o.outcome?.kind ?? OutcomeKind.UNSPECIFIED);
  }

  /** The partial aggregates gathered since the last drain, oldest week first (copies). */
  peek(): WeekAggregate[] {
    return [...this.partials.values()].sort((a, b) => (a.weekStart < b.weekStart ? -1 : 1)).map((w) => structuredClone(w));
  }

  /** Returns the partial aggregates and starts new ones; the caller upserts each with mergeWeeks. */
  drain(): WeekAggregate[] {
    const out = this.peek();
    this.partials = new Map();
    return out;
  }

  private countOutcome(interactionId: string, at: number, kind: OutcomeKind): void {
    const name = OUTCOME[kind];
    if (name === undefined) return;
    this.attribute(interactionId, at).week.outcomes[name]++;
  }

  /** The week and segment of the interaction a feedback is about; its own week and "unknown" when not seen. */
  private attribute(interactionId: string, at: number): { week: WeekAggregate; segment: string } {
    const seen = this.interactions.get(interactionId);
    if (seen) return { week: this.weekOf(seen.week), segment: seen.segment };
    const week = this.week(at);
    week.unmatched++;
    return { week, segment: UNKNOWN_KEY };
  }

  private week(at: number): WeekAggregate {
    return this.weekOf(weekStartOf(at));
  }

  private weekOf(weekStart: string): WeekAggregate {
    let w = this.partials.get(weekStart);
    if (!w) {
      w = emptyWeek(this.tenantId, weekStart);
      this.partials.set(weekStart, w);
    }
    return w;
  }

  private checkTenant(tenantId: string, path: string): void {
    if (tenantId !== "" && tenantId !== this.tenantId) {
      throw new WatchInputError(path, `belongs to tenant ${JSON.stringify(tenantId)}, not ${JSON.stringify(this.tenantId)}`);
    }
  }

  private timeOf(occurred: Timestamp | undefined, received: Timestamp | undefined, path: string): number {
    const ts = occurred ?? received;
    if (ts === undefined) throw new WatchInputError(path, "required (no occurredAt or receivedAt)");
    const at = timestampMs(ts);
    if (!Number.isFinite(at)) throw new WatchInputError(path, "not a valid time");
    if (at > this.watermark) {
      this.watermark = at;
      if (at - this.prunedAt > HOUR_MS) this.prune();
    }
    return at;
  }

  /** Forgets what is too old to be joined or repeated; runs at most once an event-hour. */
  private prune(): void {
    this.prunedAt = this.watermark;
    const cutoff = this.watermark - this.retentionMs;
    const dropOld = (m: Map<string, number | Seen>) => {
      for (const [k, v] of m) {
        if ((typeof v === "number" ? v : v.at) >= cutoff) break; // insertion order is nearly time order
        m.delete(k);
      }
    };
    dropOld(this.interactions);
    dropOld(this.conversations);
    dropOld(this.feedbackIds);
    this.repeats.prune(this.watermark - 2 * this.repeatWindowMs);
  }
}

function lastUserMessage(i: Interaction): string | undefined {
  for (let k = i.prompt.length - 1; k >= 0; k--) {
    const m = i.prompt[k];
    if (m?.role === Role.USER) return m.content;
  }
  return undefined;
}

function normalizedNonEmpty(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
