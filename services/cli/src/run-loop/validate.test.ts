import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIsoTime } from "./fields.js";
import { InputFileError, readCsv, readFeedbackText, readJsonl } from "./read-input.js";
import { validateRows, type SignalEvent } from "./validate.js";

const csv = (lines: string[]) => lines.join("\r\n") + "\r\n";
const issuesOf = (text: string) => {
  const r = readCsv(text);
  const f = validateRows(r.rows);
  return { read: r, file: f, all: [...r.issues, ...f.issues].map((i) => `${i.line}:${i.path}`) };
};

test("a team's spreadsheet: one row per vote, the answer repeated on each; prompts as text or messages", () => {
  const text = csv([
    "interaction_id,conversation_id,prompt,answer,occurred_at,vote,rating,reason_codes,user_id,segment,model_version",
    'a1,c1,Where is my order?,"It ships Monday, tracking to follow.",2025-03-03T10:00:00Z,down,,too_long;hedging,u1,smb,bot-3',
    'a1,c1,Where is my order?,"It ships Monday, tracking to follow.",2025-03-03T11:00:00Z,up,,,u2,smb,bot-3',
    'a2,c2,"[{""role"":""system"",""content"":""Be brief""},{""role"":""user"",""content"":""Refund?""}]",Approved.,2025-03-04,+1,4,,u3,,bot-3',
  ]);
  const { file, all } = issuesOf(text);
  assert.deepEqual(all, []);
  assert.equal(file.interactions.length, 2);
  const a1 = file.interactions[0]!;
  assert.deepEqual(a1.prompt, [{ role: "user", content: "Where is my order?" }]);
  assert.equal(a1.answer, "It ships Monday, tracking to follow.");
  assert.deepEqual(a1.metadata, { user_id: "u1" });
  assert.equal(a1.occurredAt?.toISOString(), "2025-03-03T10:00:00.000Z");
  assert.deepEqual(file.interactions[1]!.prompt.map((m) => m.role), ["system", "user"]);
  const kinds = file.signals.map((s) => `${s.interactionId}:${s.kind}:${s.kind === "thumb" ? s.direction : s.kind === "rating" ? s.score : ""}:${s.raterId}`);
  assert.deepEqual(kinds, ["a1:thumb:down:u1", "a1:thumb:up:u2", "a2:thumb:up:u3", "a2:rating:4:u3"]);
  assert.deepEqual(file.signals[0]!.reasonCodes, ["too_long", "hedging"]);
  assert.equal(file.signals[2]!.occurredAt?.toISOString(), "2025-03-04T00:00:00.000Z");
  // Keys are unique and stable per row and kind.
  assert.equal(new Set(file.signals.map((s) => s.idempotencyKey)).size, 4);
});

test("the simulator's layout: interaction rows, then feedback and outcome rows that point at them", () => {
  const text = csv([
    "event_type,occurred_at,interaction_id,idempotency_key,conversation_id,segment,user_id,model_version,regenerated_from,purpose,system_prompt,prompt,answer,source,rater_id,feedback_kind,thumb,other_interaction_id,choice,criteria,rubric_version,outcome_kind,amount_minor,currency,detail,intent,reason_codes",
    "interaction,2025-03-03T09:00:00.000Z,x-1,x-1,cv1,smb,u9,prod,,chat,You are a bot,Cancel my plan,Done.,,,,,,,,,,,,,cancellation,",
    "interaction,2025-03-03T09:01:00.000Z,x-1-r,x-1-r,cv1,smb,u9,prod,x-1,regenerate,You are a bot,Cancel my plan,Sure: it is cancelled.,,,,,,,,,,,,,cancellation,",
    "feedback,2025-03-03T09:02:00.000Z,x-1-r,x-1-r:pick,,,u9,,,,,,,end_user,u9,comparison,,x-1,this,,,,,,,,",
    "feedback,2025-03-03T09:03:00.000Z,x-1,x-1:thumb,,,u9,,,,,,,end_user,u9,thumb,down,,,,,,,,,,too_long",
    "feedback,2025-03-04T09:00:00.000Z,x-1,x-1:expert:e1,,,,,,,,,,expert,e1,comparison,,x-1-r,other,resolution=other;tone=tie,rubric-v2,,,,,,",
    "outcome,2025-03-03T15:00:00.000Z,x-1,x-1:outcome:refund,,,,,,,,,,system,,,,,,,,refund,1299,USD,refund issued,,",
  ]);
  const { file, all } = issuesOf(text);
  assert.deepEqual(all, []);
  assert.deepEqual(file.interactions.map((i) => [i.interactionId, i.regeneratedFrom, i.metadata["intent"], i.metadata["purpose"], i.prompt.length]), [
    ["x-1", "", "cancellation", "chat", 2],
    ["x-1-r", "x-1", "cancellation", "regenerate", 2],
  ]);
  assert.equal(file.interactions[0]!.prompt[0]!.content, "You are a bot");
  const s = file.signals;
  assert.deepEqual(s.map((x) => [x.kind, x.idempotencyKey, x.source]), [
    ["comparison", "x-1-r:pick", "end_user"],
    ["thumb", "x-1:thumb", "end_user"],
    ["comparison", "x-1:expert:e1", "expert"],
    ["outcome", "x-1:outcome:refund", "system"],
  ]);
  const expert = s[2] as Extract<SignalEvent, { kind: "comparison" }>;
  assert.deepEqual(expert.criteria, [{ criterion: "resolution", choice: "other" }, { criterion: "tone", choice: "tie" }]);
  assert.equal(expert.rubricVersion, "rubric-v2");
  const refund = s[3] as Extract<SignalEvent, { kind: "outcome" }>;
  assert.equal(refund.amountMinor, 1299n);
  assert.equal(refund.currency, "USD");
});

test("every bad row is named by line and column, and only good rows make events", () => {
  const text = csv([
    "interaction_id,prompt,answer,vote,rating,reason_codes,occurred_at,compared_with,choice,idempotency_key",
    "ok1,Hi,Hello,up,,,2025-03-03T10:00:00Z,,,",
    "bad vote,Hi,Hello,sideways,,,,,,",
    "b2,Hi,Hello,down,,made_up,2025-02-31T00:00:00Z,,,",
    'b3,"[{""role"":""user"",""content"":""x""},{""role"":""robot"",""content"":""y""}]",Hello,,7,,,,,',
    "b4,,,up,,,,,,",
    "ok1,Hi,Different answer,up,,,,,,",
    "b6,Hi,Hello,,,,,ghost,this,",
    "b7,Hi,Hello,up,,,,,,k1",
    "b8,Hi,Hello,up,,,,,,k1",
    "b9,Hi,Hello,up,,,,,",
  ]);
  const { file, all, read } = issuesOf(text);
  assert.deepEqual(all.sort(), [
    "10:idempotency_key",
    "11:row",
    "3:interaction_id",
    "3:vote",
    "4:occurred_at",
    "4:reason_codes[0]",
    "5:prompt[1].role",
    "5:rating",
    "6:interaction_id",
    "7:answer",
    "8:compared_with",
  ].sort());
  const reason = (line: number, path: string) => [...read.issues, ...file.issues].find((i) => i.line === line && i.path === path)?.reason ?? "";
  assert.match(reason(3, "vote"), /must be up, down/);
  assert.match(reason(4, "occurred_at"), /no such date/);
  assert.match(reason(4, "reason_codes[0]"), /unknown reason code "made_up"/);
  assert.match(reason(5, "rating"), /within 1\.\.5, got 7/);
  assert.match(reason(6, "interaction_id"), /no row in the file gives the prompt and answer of interaction b4/);
  assert.match(reason(7, "answer"), /differs from line 2/);
  assert.match(reason(8, "compared_with"), /no row in the file gives the prompt and answer of interaction ghost/);
  assert.match(reason(10, "idempotency_key"), /also used on line 9/);
  assert.match(reason(11, "row"), /9 fields, the header has 10/);
  assert.deepEqual(file.interactions.map((i) => i.interactionId), ["ok1", "b7"]);
  assert.deepEqual(file.signals.map((s) => s.line), [2, 9]);
});

test("a row that needs a bad row is bad too, transitively", () => {
  const text = csv([
    "interaction_id,prompt,answer,vote,compared_with,choice",
    "p,Hi,Hello,nope,,",
    "q,Hi,Howdy,up,,",
    "p,,,down,,",
    "r,Hi,Hey,,p,other",
    "t,Hi,Yo,,r,this",
    "r,,,up,,",
  ]);
  const { file, all } = issuesOf(text);
  assert.deepEqual(all, ["2:vote", "4:interaction_id", "5:compared_with", "6:compared_with", "7:interaction_id"]);
  const reason = (line: number) => file.issues.find((i) => i.line === line)!.reason;
  assert.match(reason(4), /interaction p is given by line 2, which is bad/);
  assert.match(reason(6), /interaction r is given by line 5, which is bad/);
  assert.match(reason(7), /interaction r is given by line 5, which is bad/);
  assert.deepEqual(file.interactions.map((i) => i.interactionId), ["q"]);
  assert.deepEqual(file.signals.map((s) => s.line), [3]);
  assert.deepEqual(file.badLines, [2, 4, 5, 6, 7]);
});

test("file-level problems: no header, a missing required column, two names for one column", () => {
  assert.throws(() => readCsv(""), InputFileError);
  assert.throws(() => readCsv("interaction_id,answer\r\na,b\r\n"), /missing required column prompt/);
  assert.throws(() => readCsv("interaction_id,prompt,answer,vote,thumb\r\n"), /"vote" and "thumb" both mean vote/);
  const r = readCsv("Interaction_ID, Prompt ,answer,notes\r\na,b,c,d\r\n");
  assert.deepEqual(r.ignoredColumns, ["notes"]);
  assert.deepEqual(r.rows[0]!.values, { interaction_id: "a", prompt: "b", answer: "c" });
});

test("JSONL: the same names as keys, native JSON values, and the IngestEvent form is refused with a hint", () => {
  const text = [
    JSON.stringify({ interaction_id: "j1", prompt: [{ role: "user", content: "Hi" }], answer: "Hello", vote: 1, reason_codes: ["too_long"], occurred_at: "2025-03-03T10:00:00+02:00" }),
    "",
    JSON.stringify({ interaction_id: "j2", prompt: "Hi", answer: "Hey", rating: 2, rating_min: 0, rating_max: 10, criteria: { tone: "this" } }),
    JSON.stringify({ interaction: { interactionId: "x" } }),
    "{not json",
    JSON.stringify({ interaction_id: "j3", prompt: "Q", answer: "A", outcome: "escalation", rubric: "ignored" }),
  ].join("\n");
  const r = readJsonl(text);
  assert.deepEqual(r.issues.map((i) => `${i.line}:${i.path}`), ["4:interaction", "5:line"]);
  assert.match(r.issues[0]!.reason, /IngestEvent/);
  assert.deepEqual(r.ignoredColumns, ["rubric"]);
  const f = validateRows(r.rows);
  assert.deepEqual(f.issues.map((i) => `${i.line}:${i.path}`), ["3:criteria"]);
  assert.match(f.issues[0]!.reason, /without compared_with/);
  assert.equal(f.interactions[0]!.occurredAt?.toISOString(), "2025-03-03T08:00:00.000Z");
  assert.deepEqual(f.signals.map((s) => s.kind), ["thumb", "outcome"]);
  assert.equal(readFeedbackText("votes.txt", text, "auto").format, "jsonl");
  assert.equal(readFeedbackText("votes.txt", "interaction_id,prompt,answer\n", "auto").format, "csv");
});

test("vote spellings and what they mean", () => {
  const rows = ["up", "down", "+1", "-1", "1", "0", "thumbs_up", "thumbs_down", "UP", "Thumbs-Down"].map((v, i) => ({ line: i + 2, values: { interaction_id: `v${i}`, prompt: "p", answer: "a", vote: v } }));
  const f = validateRows(rows);
  assert.deepEqual(f.issues, []);
  assert.deepEqual(f.signals.map((s) => (s.kind === "thumb" ? s.direction : "")), ["up", "down", "up", "down", "up", "down", "up", "down", "up", "down"]);
  const bad = validateRows([{ line: 2, values: { interaction_id: "z", prompt: "p", answer: "a", vote: "constructor" } }]);
  assert.equal(bad.issues[0]?.path, "vote");
});

test("ISO 8601 times: zones, fractions, date only; impossible dates and times refused", () => {
  const ok: [string, string][] = [
    ["2025-03-03T10:00:00Z", "2025-03-03T10:00:00.000Z"],
    ["2025-03-03 10:00", "2025-03-03T10:00:00.000Z"],
    ["2025-03-03T10:00:00.123456Z", "2025-03-03T10:00:00.123Z"],
    ["2025-03-03T12:00:00+0200", "2025-03-03T10:00:00.000Z"],
    ["2025-03-03T05:00:00-05", "2025-03-03T10:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
  ];
  for (const [input, iso] of ok) {
    const d = parseIsoTime(input);
    assert.ok(d instanceof Date, `${input}: ${String(d)}`);
    assert.equal(d.toISOString(), iso);
  }
  for (const bad of ["2025-02-29", "2025-04-31", "2025-03-03T24:00:00Z", "03/03/2025", "1999-12-31T00:00:00Z", "yesterday"]) assert.equal(typeof parseIsoTime(bad), "string", bad);
});
