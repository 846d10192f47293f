import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyWeek, isWeekStart, mergeWeeks, parseWeek, weekStartOf, WeekFormatError, type WeekAggregate } from "./week.js";

const ms = (iso: string) => Date.parse(iso);

void test("weeks start on Monday 00:00 UTC", () => {
  assert.equal(weekStartOf(ms("2025-03-03T00:00:00Z")), "2025-03-03"); // a Monday
  assert.equal(weekStartOf(ms("2025-03-09T23:59:59.999Z")), "2025-03-03"); // the Sunday after
  assert.equal(weekStartOf(ms("2025-03-10T00:00:00Z")), "2025-03-10");
  assert.equal(weekStartOf(ms("2025-03-09T23:30:00-02:00")), "2025-03-10"); // 01:30 UTC Monday
  assert.equal(weekStartOf(ms("2024-02-29T12:00:00Z")), "2024-02-26"); // leap day, a Thursday
  assert.equal(weekStartOf(0), "1969-12-29"); // 1970-01-01 was a Thursday
  assert.equal(weekStartOf(ms("1969-12-28T12:00:00Z")), "1969-12-22"); // before the epoch, a Sunday
  assert.ok(isWeekStart("2025-03-03") && !isWeekStart("2025-03-04") && !isWeekStart("2025-3-3"));
  assert.throws(() => emptyWeek("t", "2025-03-04"), /not a Monday/);
});

function sample(seed: number): WeekAggregate {
  const w = emptyWeek("t1", "2025-03-03");
  w.interactions = 10 * seed;
  w.questions = 8 * seed;
  w.conversations = 7 * seed;
  w.intents = { refund: 5 * seed, ...(seed === 2 ? { cancel: 3 } : {}) };
  w.segments = { consumer: { questions: 8 * seed, thumbsUp: seed, thumbsDown: 2 * seed } };
  w.outcomes.escalation = seed;
  w.repeat = { questions: 8 * seed, repeats: seed };
  w.thumbsDown = { total: 2 * seed, coded: seed, codes: { too_long: seed } };
  w.unmatched = seed;
  return w;
}

void test("mergeWeeks adds every count, keeps its inputs, and is commutative and associative", () => {
  const a = sample(1);
  const b = sample(2);
  const before = JSON.stringify([a, b]);
  const m = mergeWeeks(a, b);
  assert.equal(JSON.stringify([a, b]), before, "inputs untouched");
  assert.equal(m.interactions, 30);
  assert.equal(m.questions, 24);
  assert.equal(m.conversations, 21);
  assert.deepEqual(m.intents, { refund: 15, cancel: 3 });
  assert.deepEqual(m.segments, { consumer: { questions: 24, thumbsUp: 3, thumbsDown: 6 } });
  assert.deepEqual(m.outcomes, { escalation: 3, refund: 0, reopen: 0, compliance_flag: 0 });
  assert.deepEqual(m.repeat, { questions: 24, repeats: 3 });
  assert.deepEqual(m.thumbsDown, { total: 6, coded: 3, codes: { too_long: 3 } });
  assert.equal(m.unmatched, 3);
  const c = sample(3);
  const sorted = (w: WeekAggregate) => JSON.stringify(w, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
  assert.equal(sorted(mergeWeeks(a, b)), sorted(mergeWeeks(b, a)));
  assert.equal(sorted(mergeWeeks(mergeWeeks(a, b), c)), sorted(mergeWeeks(a, mergeWeeks(b, c))));
  assert.equal(sorted(mergeWeeks(a, emptyWeek("t1", "2025-03-03"))), sorted(a));
  assert.throws(() => mergeWeeks(a, emptyWeek("t2", "2025-03-03")), /tenants differ/);
  assert.throws(() => mergeWeeks(a, emptyWeek("t1", "2025-03-10")), /weeks differ/);
});

void test("a stored aggregate reads back through JSON, and a bad one names the field", () => {
  const a = sample(2);
  // A client-chosen intent named __proto__ stays a plain count.
  const tricky = mergeWeeks(a, parseWeek(JSON.parse('{"format":1,"tenantId":"t1","weekStart":"2025-03-03","interactions":0,"questions":0,"conversations":0,"intents":{"__proto__":4},"segments":{},"outcomes":{"escalation":0,"refund":0,"reopen":0,"compliance_flag":0},"repeat":{"questions":0,"repeats":0},"thumbsDown":{"total":0,"coded":0,"codes":{}},"unmatched":0}')));
  assert.equal(Object.getPrototypeOf(tricky.intents), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(tricky.intents, "__proto__")?.value, 4);
  const back = parseWeek(JSON.parse(JSON.stringify(tricky)));
  assert.equal(JSON.stringify(back), JSON.stringify(tricky));

  const bad = (mutate: (w: Record<string, unknown>) => void, path: string) => {
    const w = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
    mutate(w);
    assert.throws(
      () => parseWeek(w),
      (err: unknown) => err instanceof WeekFormatError && err.path === path,
      `expected an error at ${path}`,
    );
  };
  bad((w) => (w["format"] = 2), "format");
  bad((w) => (w["weekStart"] = "2025-03-05"), "weekStart");
  bad((w) => (w["questions"] = -1), "questions");
  bad((w) => ((w["intents"] as Record<string, unknown>)["refund"] = 1.5), 'intents["refund"]');
  bad((w) => ((w["segments"] as Record<string, Record<string, unknown>>)["consumer"]!["thumbsUp"] = "3"), 'segments["consumer"].thumbsUp');
  bad((w) => delete (w["outcomes"] as Record<string, unknown>)["reopen"], "outcomes.reopen");
  bad((w) => ((w["repeat"] as Record<string, unknown>)["repeats"] = 1000), "repeat.repeats");
  bad((w) => ((w["thumbsDown"] as Record<string, unknown>)["coded"] = 1000), "thumbsDown.coded");
  assert.throws(() => parseWeek([]), (err: unknown) => err instanceof WeekFormatError && err.path === "(root)");
});
