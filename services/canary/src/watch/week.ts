// The weekly aggregate of one tenant's production traffic: plain counts, JSON-serializable (stored as
// JSONB, upserted per tenant and week), and mergeable, so partial aggregates of a week add up.

export const WEEK_FORMAT = 1;

export const OUTCOME_NAMES = ["escalation", "refund", "reopen", "compliance_flag"] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];

/** Key under which untagged intents, unseen segments and overflowing keys are counted. */
export const UNKNOWN_KEY = "unknown";
export const OVERFLOW_KEY = "(other)";
/** Keys are clipped to this many characters. */
export const MAX_KEY_CHARS = 64;

export interface SegmentWeek {
  /** Customer questions from this segment (interactions without regenerated_from). */
  questions: number;
  /** End users' thumbs on this segment's answers. */
  thumbsUp: number;
  thumbsDown: number;
}

export interface WeekAggregate {
  /** Layout version of this object (stored documents say which layout they use). */
  format: number;
  tenantId: string;
  /** Monday 00:00 UTC of the week, as YYYY-MM-DD. */
  weekStart: string;
  /** Every logged answer, regenerations and review answers included. */
  interactions: number;
  /** Answers to a customer's message: interactions without regenerated_from. Rates are per question. */
  questions: number;
  /** Conversations whose first interaction fell in this week. */
  conversations: number;
  /** Questions per intent (interaction metadata `intent`, "unknown" when absent). */
  intents: Record<string, number>;
  /** Per segment: questions and end users' thumbs (a thumb counts in its interaction's segment and week). */
  segments: Record<string, SegmentWeek>;
  /** Outcomes reported for this week's interactions (or, when the interaction was not seen, in the week they occurred). */
  outcomes: Record<OutcomeName, number>;
  /** "Users ask the same question twice": questions with a user key, and those repeating an earlier one within 24 h. */
  repeat: { questions: number; repeats: number };
  /** End users' thumbs-down: all, those with reason codes, and how often each code was named. */
  thumbsDown: { total: number; coded: number; codes: Record<string, number> };
  /** Feedback and outcomes whose interaction was not seen (counted under segment "unknown"). */
  unmatched: number;
}

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the week containing `ms`, as YYYY-MM-DD. */
export function weekStartOf(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`weekStartOf: not a time: ${ms}`);
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  const monday = day - (((day + 3) % 7) + 7) % 7;
  return new Date(monday * DAY_MS).toISOString().slice(0, 10);
}

/** Milliseconds of a week start (YYYY-MM-DD). */
export function weekStartMs(weekStart: string): number {
  return Date.parse(`${weekStart}T00:00:00Z`);
}

export function emptyWeek(tenantId: string, weekStart: string): WeekAggregate {
  if (!isWeekStart(weekStart)) throw new RangeError(`emptyWeek: ${JSON.stringify(weekStart)} is not a Monday as YYYY-MM-DD`);
  return {
    format: WEEK_FORMAT,
    tenantId,
    weekStart,
    interactions: 0,
    questions: 0,
    conversations: 0,
    intents: {},
    segments: {},
    outcomes: { escalation: 0, refund: 0, reopen: 0, compliance_flag: 0 },
    repeat: { questions: 0, repeats: 0 },
    thumbsDown: { total: 0, coded: 0, codes: {} },
    unmatched: 0,
  };
}

export function isWeekStart(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(weekStartMs(s)) && weekStartOf(weekStartMs(s)) === s;
}

/** Adds n to rec[key] as an own property (a key such as "__proto__" stays a plain count). */
export function bump(rec: Record<string, number>, key: string, n = 1): void {
  const prev = Object.hasOwn(rec, key) ? (rec[key] as number) : 0;
  Object.defineProperty(rec, key, { value: prev + n, enumerable: true, writable: true, configurable: true });
}

/** The key a client-given name is counted under: clipped, "unknown" when empty, "(other)" past maxKeys distinct keys. */
export function keyFor(rec: Record<string, unknown>, raw: string, maxKeys: number): string {
  const key = raw.trim().slice(0, MAX_KEY_CHARS) || UNKNOWN_KEY;
  if (Object.hasOwn(rec, key)) return key;
  return Object.keys(rec).length < maxKeys ? key : OVERFLOW_KEY;
}

export function segmentOf(week: WeekAggregate, key: string): SegmentWeek {
  if (!Object.hasOwn(week.segments, key)) {
    Object.defineProperty(week.segments, key, { value: { questions: 0, thumbsUp: 0, thumbsDown: 0 }, enumerable: true, writable: true, configurable: true });
  }
  return week.segments[key] as SegmentWeek;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
}

/** Sum of two partial aggregates of the same tenant and week (commutative and associative; inputs untouched). */
export function mergeWeeks(a: WeekAggregate, b: WeekAggregate): WeekAggregate {
  if (a.tenantId !== b.tenantId) throw new RangeError(`mergeWeeks: tenants differ (${JSON.stringify(a.tenantId)} vs ${JSON.stringify(b.tenantId)})`);
  if (a.weekStart !== b.weekStart) throw new RangeError(`mergeWeeks: weeks differ (${a.weekStart} vs ${b.weekStart})`);
  const out = emptyWeek(a.tenantId, a.weekStart);
  for (const w of [a, b]) {
    out.interactions += w.interactions;
    out.questions += w.questions;
    out.conversations += w.conversations;
    addCounts(out.intents, w.intents);
    for (const [k, s] of Object.entries(w.segments)) {
      const seg = segmentOf(out, k);
      seg.questions += s.questions;
      seg.thumbsUp += s.thumbsUp;
      seg.thumbsDown += s.thumbsDown;
    }
    for (const k of OUTCOME_NAMES) out.outcomes[k] += w.outcomes[k];
    out.repeat.questions += w.repeat.questions;
    out.repeat.repeats += w.repeat.repeats;
    out.thumbsDown.total += w.thumbsDown.total;
    out.thumbsDown.coded += w.thumbsDown.coded;
    addCounts(out.thumbsDown.codes, w.thumbsDown.codes);
    out.unmatched += w.unmatched;
  }
  return out;
}

/** A stored aggregate that does not have the expected layout; `path` names the field. */
export class WeekFormatError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`invalid week aggregate at ${path}: ${reason}`);
    this.name = "WeekFormatError";
  }
}

/** Reads a stored aggregate (parsed JSON) back, checking every field; throws WeekFormatError naming the field. */
export function parseWeek(value: unknown): WeekAggregate {
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new WeekFormatError(path, "must be an object");
    return v as Record<string, unknown>;
  };
  const count = (v: unknown, path: string): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new WeekFormatError(path, `must be an integer >= 0 (got ${JSON.stringify(v)})`);
    return v;
  };
  const counts = (v: unknown, path: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(obj(v, path))) bump(out, k, count(x, `${path}[${JSON.stringify(k)}]`));
    return out;
  };
  const root = obj(value, "(root)");
  if (root["format"] !== WEEK_FORMAT) throw new WeekFormatError("format", `must be ${WEEK_FORMAT} (got ${JSON.stringify(root["format"])})`);
  if (typeof root["tenantId"] !== "string") throw new WeekFormatError("tenantId", "must be a string");
  if (typeof root["weekStart"] !== "string" || !isWeekStart(root["weekStart"])) throw new WeekFormatError("weekStart", "must be a Monday as YYYY-MM-DD");
  const week = emptyWeek(root["tenantId"], root["weekStart"]);
  week.interactions = count(root["interactions"], "interactions");
  week.questions = count(root["questions"], "questions");
  week.conversations = count(root["conversations"], "conversations");
  week.intents = counts(root["intents"], "intents");
  for (const [k, v] of Object.entries(obj(root["segments"], "segments"))) {
    const path = `segments[${JSON.stringify(k)}]`;
    const s = obj(v, path);
    const seg = segmentOf(week, k);
    seg.questions = count(s["questions"], `${path}.questions`);
    seg.thumbsUp = count(s["thumbsUp"], `${path}.thumbsUp`);
    seg.thumbsDown = count(s["thumbsDown"], `${path}.thumbsDown`);
  }
  const outcomes = obj(root["outcomes"], "outcomes");
  for (const k of OUTCOME_NAMES) week.outcomes[k] = count(outcomes[k], `outcomes.${k}`);
  const repeat = obj(root["repeat"], "repeat");
  week.repeat = { questions: count(repeat["questions"], "repeat.questions"), repeats: count(repeat["repeats"], "repeat.repeats") };
  if (week.repeat.repeats > week.repeat.questions) throw new WeekFormatError("repeat.repeats", "must be at most repeat.questions");
  const down = obj(root["thumbsDown"], "thumbsDown");
  week.thumbsDown = {
    total: count(down["total"], "thumbsDown.total"),
    coded: count(down["coded"], "thumbsDown.coded"),
    codes: counts(down["codes"], "thumbsDown.codes"),
  };
  if (week.thumbsDown.coded > week.thumbsDown.total) throw new WeekFormatError("thumbsDown.coded", "must be at most thumbsDown.total");
  week.unmatched = count(root["unmatched"], "unmatched");
  return week;
}
