import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTasksJsonl } from "./set-import.js";

test("a good file gives its tasks with defaults filled in", () => {
  const r = parseTasksJsonl(
    [
      JSON.stringify({ taskId: "a", intent: "refund", prompt: "I want my money back", checks: { maxWords: 50 }, expertComparisons: [{ preferred: "x", other: "y" }] }),
      "",
      JSON.stringify({ prompt: "Where is my parcel?" }),
    ].join("\n"),
  );
  assert.deepEqual(r.issues, []);
  assert.equal(r.tasks.length, 2);
  assert.equal(r.tasks[0]!.expertComparisons.length, 1);
  assert.equal(r.tasks[1]!.taskId, "task-2");
  assert.equal(r.tasks[1]!.intent, "unknown");
});

test("every bad line is reported with its line and field, and nothing is kept", () => {
  const r = parseTasksJsonl(
    [
      JSON.stringify({ taskId: "a", prompt: "ok" }),
      "{not json",
      JSON.stringify({ taskId: "b", prompt: "", checks: { maxWords: -1 } }),
      JSON.stringify({ taskId: "a", prompt: "again" }),
      JSON.stringify({ prompt: "x", expertComparisons: [{ preferred: "p" }] }),
    ].join("\n"),
  );
  assert.equal(r.tasks.length, 0);
  const got = r.issues.map((i) => `${i.line}:${i.path}`);
  assert.deepEqual(got, ["2:$", "3:prompt", "3:checks.maxWords", "4:taskId", "5:expertComparisons[0].other"]);
});

test("an empty file is an error", () => {
  assert.equal(parseTasksJsonl("\n\n").issues[0]!.reason, "no tasks in the file");
});
