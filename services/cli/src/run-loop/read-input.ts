// Reads a feedback file (CSV with a header, or JSONL) into rows keyed by canonical column names.
// Problems with the file as a whole (no header, a missing required column) are fatal; problems
// with one row are reported against its line, and the row is left out.
import { columnOf, REQUIRED_COLUMNS, type Column } from "./columns.js";
import { parseCsv } from "./csv.js";
import type { RowIssue } from "./fields.js";
import type { InputRow } from "./validate.js";

export type InputFormat = "csv" | "jsonl";

export interface ReadResult {
  readonly format: InputFormat;
  readonly rows: InputRow[];
  readonly issues: RowIssue[];
  /** Header cells or keys that are not columns of ours (ignored, listed so a typo is seen). */
  readonly ignoredColumns: string[];
}

/** A problem with the file itself: nothing can be read. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
}

/** csv or jsonl from the file name, else from the first non-blank character. */
export function detectFormat(path: string, text: string): InputFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) return "jsonl";
  return text.replace(/^\ufeff/, "").trimStart().startsWith("{") ? "jsonl" : "csv";
}

export function readCsv(text: string): ReadResult {
  const { records, errors } = parseCsv(text);
  const header = records[0];
  if (!header || (errors[0] && errors[0].line < header.line)) {
    throw new InputFileError(errors[0] ? `line ${errors[0].line}: ${errors[0].reason}` : "the file is empty: a CSV needs a header row naming its columns");
  }
  const cols: (Column | undefined)[] = [];
  const ignored: string[] = [];
  const seen = new Map<Column, string>();
  for (const cell of header.fields) {
    const c = columnOf(cell);
    if (c && seen.has(c)) throw new InputFileError(`line ${header.line}: columns "${seen.get(c)}" and "${cell.trim()}" both mean ${c}`);
    if (c) seen.set(c, cell.trim());
    else if (cell.trim() !== "") ignored.push(cell.trim());
    cols.push(c);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length) {
    throw new InputFileError(`line ${header.line}: missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (the header has: ${header.fields.join(", ")})`);
  }
  const nameAt = (i: number) => cols[i] ?? header.fields[i]?.trim() ?? `field ${i + 1}`;
  const issues: RowIssue[] = errors.map((e) => ({ line: e.line, path: nameAt(e.field - 1), reason: e.reason }));
  const rows: InputRow[] = [];
  for (const rec of records.slice(1)) {
    if (rec.fields.length !== header.fields.length) {
      issues.push({ line: rec.line, path: "row", reason: `has ${rec.fields.length} fields, the header has ${header.fields.length} (a comma or line break inside a field needs quotes)` });
      continue;
    }
    const values: Record<string, unknown> = {};
    rec.fields.forEach((v, i) => {
      const c = cols[i];
      if (c) values[c] = v;
    });
    rows.push({ line: rec.line, values });
  }
  return { format: "csv", rows, issues, ignoredColumns: ignored };
}

const INGEST_EVENT_KEYS = new Set(["interaction", "feedback", "outcome"]);

export function readJsonl(text: string): ReadResult {
  const rows: InputRow[] = [];
  const issues: RowIssue[] = [];
  const ignored = new Set<string>();
  const lines = text.replace(/^\ufeff/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      issues.push({ line, path: "line", reason: `not valid JSON (${err instanceof Error ? err.message : String(err)})` });
      return;
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
      issues.push({ line, path: "line", reason: "must be a JSON object with the columns as keys" });
      return;
    }
    const keys = Object.keys(obj);
    if (keys.length === 1 && INGEST_EVENT_KEYS.has(keys[0]!)) {
      issues.push({ line, path: keys[0]!, reason: "this is an IngestEvent (the simulator's JSONL export, or POST /v1/events:batch input), not a feedback row: export with --format csv, or send it to ingestion as it is" });
      return;
    }
    const values: Record<string, unknown> = {};
    const from = new Map<Column, string>();
    let clash = false;
    for (const [k, v] of Object.entries(obj)) {
      const c = columnOf(k);
      if (!c) {
        ignored.add(k);
        continue;
      }
      if (from.has(c)) {
        issues.push({ line, path: k, reason: `"${from.get(c)}" and "${k}" both mean ${c}` });
        clash = true;
      }
      from.set(c, k);
      values[c] = v;
    }
    if (!clash) rows.push({ line, values });
  });
  if (rows.length === 0 && issues.length === 0) throw new InputFileError("the file has no rows");
  return { format: "jsonl", rows, issues, ignoredColumns: [...ignored] };
}

export function readFeedbackText(path: string, text: string, format: InputFormat | "auto"): ReadResult {
  const f = format === "auto" ? detectFormat(path, text) : format;
  return f === "csv" ? readCsv(text) : readJsonl(text);
}
