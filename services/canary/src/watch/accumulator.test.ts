import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ChatMessageSchema,
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
import { WatchInputError, WeekAccumulator } from "./accumulator.js";
import { mergeWeeks, type WeekAggregate } from "./week.js";

const at = (iso: string) => Date.parse(iso);

function ix(id: string, when: string, o: { user?: string; conv: string; segment: string; intent?: string; text: string; from?: string; tenant?: string }): IngestEvent {
  const metadata: Record<string, string> = {};
  if (o.user !== undefined) metadata["user_id"] = o.user;
  if (o.intent !== undefined) metadata["intent"] = o.intent;
  return create(IngestEventSchema, {
    event: {
      case: "interaction",
      value: create(InteractionSchema, {
        interactionId: id,
        tenantId: o.tenant ?? "t1",
        conversationId: o.conv,
        prompt: [create(ChatMessageSchema, { role: Role.SYSTEM, content: "You are a support bot." }), create(ChatMessageSchema, { role: Role.USER, content: o.text })],
        answer: "ok",
        segment: o.segment,
        occurredAt: timestampFromMs(at(when)),
        metadata,
        regeneratedFrom: o.from ?? "",
      }),
    },
  });
}

function thumb(key: string, on: string, when: string, up: boolean, o: { source?: FeedbackSource; codes?: string[] } = {}): IngestEvent {
  return create(IngestEventSchema, {
    event: {
      case: "feedback",
      value: create(FeedbackSchema, {
        interactionId: on,
        feedbackId: key,
        source: o.source ?? FeedbackSource.END_USER,
        reasonCodes: o.codes ?? [],
        occurredAt: timestampFromMs(at(when)),
        kind: { case: "thumb", value: create(ThumbSchema, { direction: up ? ThumbDirection.UP : ThumbDirection.DOWN }) },
      }),
    },
  });
}

/** An outcome as ingestion republishes it: Feedback of kind outcome. */
function outcomeFeedback(key: string, on: string, when: string, kind: OutcomeKind): IngestEvent {
  return create(IngestEventSchema, {
    event: {
      case: "feedback",
      value: create(FeedbackSchema, { interactionId: on, feedbackId: key, source: FeedbackSource.SYSTEM, occurredAt: timestampFromMs(at(when)), kind: { case: "outcome", value: create(OutcomeSchema, { kind }) } }),
    },
  });
}

function outcomeReport(key: string, on: string, when: string, kind: OutcomeKind): IngestEvent {
  return create(IngestEventSchema, {
    event: { case: "outcome", value: create(OutcomeReportSchema, { interactionId: on, idempotencyKey: key, occurredAt: timestampFromMs(at(when)), outcome: create(OutcomeSchema, { kind }) }) },
  });
}

// Week 2025-03-03 (Mon) .. 2025-03-09 (Sun); week 2025-03-10 after it.
const interactions: IngestEvent[] = [
  ix("i1", "2025-03-03T10:00:00Z", { user: "u1", conv: "c1", segment: "consumer", intent: "refund", text: "Where is my refund?" }),
  ix("i2", "2025-03-03T10:01:00Z", { user: "u1", conv: "c1", segment: "consumer", intent: "refund", text: "Where is my refund?", from: "i1" }),
  ix("i3", "2025-03-03T20:00:00Z", { user: "u1", conv: "c2", segment: "consumer", intent: "refund", text: "where is my refund" }),
  ix("i4", "2025-03-09T23:00:00Z", { user: "u2", conv: "c3", segment: "smb", text: "Cancel my plan" }),
  ix("i5", "2025-03-10T01:00:00Z", { conv: "c4", segment: "smb", text: "I'd like to cancel my plan" }), // no user: falls back to c4
  ix("i6", "2025-03-10T02:00:00Z", { conv: "c4", segment: "smb", text: "i'd like to cancel my plan!" }),
];
const feedback: IngestEvent[] = [
  thumb("f1", "i1", "2025-03-03T10:02:00Z", true),
  thumb("f2", "i3", "2025-03-03T20:05:00Z", false, { codes: ["too_long", "hedging", "too_long"] }),
  thumb("f3", "i4", "2025-03-10T00:30:00Z", false, { source: FeedbackSource.EXPERT }), // staff: not watched
  thumb("f4", "i4", "2025-03-10T00:40:00Z", false), // next week, but counts in i4's week and segment
  thumb("f5", "zz", "2025-03-10T03:00:00Z", false, { codes: ["tool_failure"] }), // interaction never seen
  outcomeFeedback("f6", "i3", "2025-03-11T09:00:00Z", OutcomeKind.ESCALATION),
  outcomeReport("o1", "i6", "2025-03-11T10:00:00Z", OutcomeKind.REFUND),
  thumb("f2", "i3", "2025-03-03T20:05:00Z", false, { codes: ["too_long"] }), // redelivered: ignored
];

const week1: WeekAggregate = {
  format: 1,
  tenantId: "t1",
  weekStart: "2025-03-03",
  interactions: 4,
  questions: 3,
  conversations: 3,
  intents: { refund: 2, unknown: 1 },
  segments: { consumer: { questions: 2, thumbsUp: 1, thumbsDown: 1 }, smb: { questions: 1, thumbsUp: 0, thumbsDown: 1 } },
  outcomes: { escalation: 1, refund: 0, reopen: 0, compliance_flag: 0 },
  repeat: { questions: 3, repeats: 1 },
  thumbsDown: { total: 2, coded: 1, codes: { too_long: 1, hedging: 1 } },
  unmatched: 0,
};
const week2: WeekAggregate = {
  format: 1,
  tenantId: "t1",
  weekStart: "2025-03-10",
  interactions: 2,
  questions: 2,
  conversations: 1,
  intents: { unknown: 2 },
  segments: { smb: { questions: 2, thumbsUp: 0, thumbsDown: 0 }, unknown: { questions: 0, thumbsUp: 0, thumbsDown: 1 } },
  outcomes: { escalation: 0, refund: 1, reopen: 0, compliance_flag: 0 },
  // i5 and i6 (same conversation, no user id) are near-duplicates within 24 h; i4 (user u2) is another user.
  repeat: { questions: 2, repeats: 1 },
  thumbsDown: { total: 1, coded: 1, codes: { tool_failure: 1 } },
  unmatched: 1,
};

const plain = (w: WeekAggregate) => JSON.parse(JSON.stringify(w)) as unknown;

void test("folds interactions, thumbs and outcomes into the weeks of the interactions they are about", () => {
  const acc = new WeekAccumulator({ tenantId: "t1" });
  for (const e of [...interactions, interactions[0]!, ...feedback]) acc.addEvent(e);
  const weeks = acc.drain();
  assert.deepEqual(weeks.map(plain), [week1, week2].map(plain));
  assert.deepEqual(acc.drain(), [], "drained");
});

void test("partial aggregates drained along the way merge into the same weeks", () => {
  const acc = new WeekAccumulator({ tenantId: "t1" });
  const all = [...interactions, ...feedback];
  const partials: WeekAggregate[] = [];
  all.forEach((e, i) => {
    acc.addEvent(e);
    if (i % 3 === 2) partials.push(...acc.drain());
  });
  partials.push(...acc.drain());
  const merged = new Map<string, WeekAggregate>();
  for (const p of partials) merged.set(p.weekStart, merged.has(p.weekStart) ? mergeWeeks(merged.get(p.weekStart)!, p) : p);
  const sortKeys = (w: WeekAggregate) => JSON.stringify(w, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
  assert.deepEqual([...merged.values()].sort((a, b) => (a.weekStart < b.weekStart ? -1 : 1)).map(sortKeys), [week1, week2].map(sortKeys));
});

void test("interactions in reverse order give the same repeat counts", () => {
  const acc = new WeekAccumulator({ tenantId: "t1" });
  for (const e of [...interactions].reverse()) acc.addEvent(e);
  const [w1, w2] = acc.drain();
  assert.deepEqual(w1?.repeat, week1.repeat);
  assert.deepEqual(w2?.repeat, week2.repeat);
});

void test("bad input is refused with the field, and client-chosen keys are bounded", () => {
  const acc = new WeekAccumulator({ tenantId: "t1", maxKeys: 2 });
  assert.throws(
    () => acc.addEvent(ix("x1", "2025-03-03T10:00:00Z", { conv: "c", segment: "s", text: "hi", tenant: "t2" })),
    (err: unknown) => err instanceof WatchInputError && err.path === "interaction.tenantId" && /t2/.test(err.message),
  );
  const noTime = create(IngestEventSchema, { event: { case: "interaction", value: create(InteractionSchema, { interactionId: "x2" }) } });
  assert.throws(() => acc.addEvent(noTime), (err: unknown) => err instanceof WatchInputError && err.path === "interaction.occurredAt");
  for (const [n, intent] of ["a", "b", "c", "d", "__proto__"].entries()) {
    acc.addEvent(ix(`k${n}`, "2025-03-03T10:00:00Z", { conv: `k${n}`, segment: "s", intent, text: `q ${n}` }));
  }
  const [w] = acc.drain();
  assert.deepEqual(JSON.parse(JSON.stringify(w!.intents)), { a: 1, b: 1, "(other)": 3 });
});
