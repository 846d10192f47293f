import type { ExchangePair, FormatName } from "./formats.js";
import { FORMAT_NAMES, LineError } from "./formats.js";
import { FORMATS } from "./registry.js";

export interface ImportLineError {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export type ParseResult = { ok: true; format: FormatName; pairs: ExchangePair[] } | { ok: false; format: FormatName | undefined; errors: ImportLineError[]; errorCount: number };

const MAX_REPORTED = 20;

/** One JSON object per pair, newline-terminated. */
export function toJsonlLine(p: ExchangePair, format: FormatName, includeWeight = false): string {
  return `${JSON.stringify(FORMATS[format].write(p, { includeWeight }))}\n`;
}

/** Guesses the format from the first non-blank line that parses. */
export function sniffFormat(text: string): FormatName | undefined {
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      return undefined;
    }
    return FORMAT_NAMES.find((f) => FORMATS[f].sniff(obj));
  }
  return undefined;
}

/**
 * Reads a whole JSONL file. All or nothing: either every line is a valid pair, or the result
 * lists the bad lines (line number and reason; the first 20) and no pair is returned, so a
 * caller never stores part of a broken file. Blank lines are skipped.
 */
export function parseJsonl(text: string, format: FormatName | "auto"): ParseResult {
  const fmt = format === "auto" ? sniffFormat(text) : format;
  if (fmt === undefined) return { ok: false, format: undefined, errors: [{ line: 1, reason: `cannot tell the format from the first line; pass one of ${FORMAT_NAMES.join(", ")}` }], errorCount: 1 };
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const pairs: ExchangePair[] = [];
  const errors: ImportLineError[] = [];
  let errorCount = 0;
  const fail = (line: number, reason: string) => {
    errorCount++;
    if (errors.length < MAX_REPORTED) errors.push({ line, reason });
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    const src = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (src.trim() === "") return;
    let obj: unknown;
    try {
      obj = JSON.parse(src);
    } catch (err) {
      fail(line, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    try {
      pairs.push(FORMATS[fmt].read(obj));
    } catch (err) {
      if (err instanceof LineError) fail(line, err.reason);
      else throw err;
    }
  });
  if (errorCount > 0) return { ok: false, format: fmt, errors, errorCount };
  if (pairs.length === 0) return { ok: false, format: fmt, errors: [{ line: 1, reason: "the file holds no pairs" }], errorCount: 1 };
  return { ok: true, format: fmt, pairs };
}
