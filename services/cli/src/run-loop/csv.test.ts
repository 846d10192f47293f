import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { csvQuote, parseCsv } from "./csv.js";

test("plain records, LF and CRLF, a trailing newline or none", () => {
  for (const text of ["a,b,c\n1,2,3\n", "a,b,c\r\n1,2,3\r\n", "a,b,c\r\n1,2,3"]) {
    const r = parseCsv(text);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.records, [{ line: 1, fields: ["a", "b", "c"] }, { line: 2, fields: ["1", "2", "3"] }]);
  }
});

test("quoted fields: commas, escaped quotes, line breaks inside, empty quoted field", () => {
  const text = 'id,text,n\r\n1,"hello, ""world""",x\r\n2,"line one\r\nline two\nline three",\r\n3,"",z\r\n';
  const r = parseCsv(text);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.records.map((x) => x.fields), [
    ["id", "text", "n"],
    ["1", 'hello, "world"', "x"],
    ["2", "line one\r\nline two\nline three", ""],
    ["3", "", "z"],
  ]);
  // Each record names the physical line it starts on: record 3 starts on line 3 and spans 3 lines.
  assert.deepEqual(r.records.map((x) => x.line), [1, 2, 3, 6]);
});

test("a byte-order mark is dropped, blank lines are skipped, empty trailing fields are kept", () => {
  const r = parseCsv("\ufeffa,b\n\n1,\n\n,2\n");
  assert.deepEqual(r.records.map((x) => [x.line, x.fields]), [[1, ["a", "b"]], [3, ["1", ""]], [5, ["", "2"]]]);
});

test("syntax errors name the line and field; the record is left out and reading goes on", () => {
  const r = parseCsv('a,b\n1,x"y\n2,"ok"junk\n3,fine\n4,"never closed\n5,z\n');
  assert.deepEqual(r.records.map((x) => x.fields), [["a", "b"], ["3", "fine"]]);
  assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [[2, 2], [3, 2], [5, 2]]);
  assert.match(r.errors[0]!.reason, /quote inside an unquoted field/);
  assert.match(r.errors[1]!.reason, /after a closing quote/);
  assert.match(r.errors[2]!.reason, /never closed/);
});

test("round trip: any table written with RFC 4180 quoting reads back the same", () => {
  const cellArb = fc.string({ unit: fc.constantFrom("a", "b", " ", ",", '"', "\n", "\r", "\r\n", "é", "x") });
  fc.assert(
    fc.property(fc.array(fc.array(cellArb, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (rows, crlf) => {
      const width = rows[0]!.length;
      const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? "")).filter((r) => !(r.length === 1 && r[0] === ""));
      // A record made of one empty field is indistinguishable from a blank line: keep at least one non-empty cell.
      const kept = table.filter((r) => r.some((c) => c !== ""));
      const text = kept.map((r) => r.map(csvQuote).join(",")).join(crlf ? "\r\n" : "\n");
      const parsed = parseCsv(text);
      assert.deepEqual(parsed.errors, []);
      assert.deepEqual(parsed.records.map((x) => x.fields), kept);
    }),
    { numRuns: 300, seed: 42 },
  );
});
