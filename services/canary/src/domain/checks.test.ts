import assert from "node:assert/strict";
import { test } from "node:test";
import { compileChecks, validateChecks } from "./checks.js";

test("each check fails exactly when its rule is broken", () => {
  const c = compileChecks({ required: ["Order"], forbidden: ["password"], pattern: "\\b\\d{6}\\b", maxWords: 8 });
  assert.deepEqual(c("Your order 123456 ships today."), { passed: true, failures: [] });
  assert.deepEqual(c("Your parcel 123456 ships today.").failures, ["required"]);
  assert.deepEqual(c("Your order 123456: send your password.").failures, ["forbidden"]);
  assert.deepEqual(c("Your order ships today.").failures, ["pattern"]);
  assert.deepEqual(c("Your order 123456 ships today and arrives next week.").failures, ["max_words"]);
});

test("one question: exactly one asks passes, none or two fail; false means no question", () => {
  const one = compileChecks({ oneQuestion: true });
  assert.equal(one("Which order do you mean?").passed, true);
  assert.deepEqual(one("I will refund it.").failures, ["one_question"]);
  assert.deepEqual(one("Which order? And which item?").failures, ["one_question"]);
  assert.equal(compileChecks({ oneQuestion: false })("Done.").passed, true);
  assert.equal(compileChecks({ oneQuestion: false })("Done?").passed, false);
});

test("JSON schema: valid JSON that matches passes; non-JSON and mismatches fail", () => {
  const c = compileChecks({ jsonSchema: { type: "object", required: ["action"], properties: { action: { enum: ["refund", "decline"] } } } });
  assert.equal(c('{"action":"refund"}').passed, true);
  assert.deepEqual(c('{"action":"ship"}').failures, ["json_schema"]);
  assert.deepEqual(c("refund").failures, ["json_schema"]);
});

test("bad checks are reported by field path", () => {
  const issues = validateChecks({ required: ["ok", 3], pattern: "(", maxWords: 0, jsonSchema: { type: "nonsense" }, oneQuestion: "yes", extra: 1 }, "tasks[0].checks");
  const paths = issues.map((i) => i.path).sort();
  assert.deepEqual(paths, ["tasks[0].checks.extra", "tasks[0].checks.jsonSchema", "tasks[0].checks.maxWords", "tasks[0].checks.oneQuestion", "tasks[0].checks.pattern", "tasks[0].checks.required[1]"]);
  assert.deepEqual(validateChecks({ maxWords: 10 }), []);
  assert.deepEqual(validateChecks("x").map((i) => i.reason), ["must be an object"]);
});
