// Field readers for one input row: each turns a CSV string (or a JSONL value) into a typed value or
// records why it cannot, under the column's name. The limits mirror ingestion's (ingestion README,
// limits.ts), so a row that passes here is not refused later, after other rows were sent.
import { isReasonCode, REASON_CODES, type ReasonCode } from "@rlhf-loop/client";

export interface RowIssue {
  /** 1-based line of the file the row starts on. */
  readonly line: number;
  /** The column or field path, e.g. `vote` or `prompt[1].role`. */
  readonly path: string;
  readonly reason: string;
}

export const LIMITS = {
  idPattern: /^[A-Za-z0-9._:-]{1,200}$/,
  idempotencyKeyPattern: /^[\x21-\x7e]{1,200}$/,
  shortTextBytes: 200,
  answerBytes: 64 * 1024,
  promptMessageBytes: 64 * 1024,
  promptMessages: 100,
  promptTotalBytes: 512 * 1024,
  commentBytes: 8 * 1024,
  detailBytes: 4 * 1024,
  metadataValueBytes: 1024,
  reasonCodes: 20,
  criteria: 32,
  criterionBytes: 100,
  ratingBound: 1000,
  amountMinorMax: 10n ** 15n,
  currencyPattern: /^[A-Z]{3}$/,
  minTimeMs: Date.UTC(2000, 0, 1),
  maxTimeMs: Date.UTC(2100, 0, 1),
} as const;

export const bytes = (s: string): number => Buffer.byteLength(s, "utf8");

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Collects the issues of one row. */
export class RowReader {
  readonly issues: RowIssue[] = [];

  constructor(
    readonly line: number,
    private readonly values: Readonly<Record<string, unknown>>,
  ) {}

  bad(path: string, reason: string): void {
    this.issues.push({ line: this.line, path, reason });
  }

  has(col: string): boolean {
    const v = this.values[col];
    return v !== undefined && v !== null && !(typeof v === "string" && v.trim() === "");
  }

  raw(col: string): unknown {
    return this.values[col];
  }

  /** A text value ("" when absent); numbers and booleans from JSONL are written out. */
  text(col: string, opts: { trim?: boolean; maxBytes?: number } = {}): string {
    const v = this.values[col];
    if (v === undefined || v === null) return "";
    let s: string;
    if (typeof v === "string") s = v;
    else if (typeof v === "number" || typeof v === "boolean") s = String(v);
    else {
      this.bad(col, "must be a string");
      return "";
    }
    if (opts.trim !== false) s = s.trim();
    this.checkString(col, s);
    if (opts.maxBytes !== undefined && bytes(s) > opts.maxBytes) this.bad(col, `longer than ${opts.maxBytes} bytes`);
    return s;
  }

  checkString(path: string, s: string): void {
    if (s.includes("\u0000")) this.bad(path, "must not contain NUL characters");
    else if (LONE_SURROGATE.test(s)) this.bad(path, "must be valid Unicode (lone surrogate)");
  }

  id(col: string): string {
    const s = this.text(col);
    if (s !== "" && !LIMITS.idPattern.test(s)) this.bad(col, "must be 1-200 letters, digits or . _ : -");
    return s;
  }

  /** An integer (a CSV string like "4" or "4.0", or a JSON number); undefined when absent or bad. */
  integer(col: string): number | undefined {
    if (!this.has(col)) return undefined;
    const v = this.values[col];
    const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[+-]?\d+(\.0+)?\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      this.bad(col, `must be an integer, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return n;
  }

  time(col: string): Date | undefined {
    if (!this.has(col)) return undefined;
    const v = this.values[col];
    if (typeof v !== "string") {
      this.bad(col, "must be an ISO 8601 date-time string, e.g. 2025-03-03T14:05:00Z");
      return undefined;
    }
    const r = parseIsoTime(v);
    if (typeof r === "string") {
      this.bad(col, r);
      return undefined;
    }
    return r;
  }

  reasonCodes(col: string): ReasonCode[] {
    if (!this.has(col)) return [];
    const v = this.values[col];
    let list: unknown[];
    if (typeof v === "string") list = v.split(";").map((s) => s.trim()).filter((s) => s !== "");
    else if (Array.isArray(v)) list = v;
    else {
      this.bad(col, "must be ;-separated codes (or a JSON array of strings)");
      return [];
    }
    if (list.length > LIMITS.reasonCodes) this.bad(col, `at most ${LIMITS.reasonCodes} reason codes`);
    const out: ReasonCode[] = [];
    list.forEach((c, i) => {
      if (typeof c === "string" && isReasonCode(c)) {
        if (!out.includes(c)) out.push(c);
      } else this.bad(`${col}[${i}]`, `unknown reason code ${JSON.stringify(c)} (known: ${REASON_CODES.join(", ")})`);
    });
    return out;
  }
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO 8601 / RFC 3339 date or date-time; no zone means UTC. Returns the reason as a string when it
 * is not one (Date.parse alone accepts 2025-02-31 and rolls it over).
 */
export function parseIsoTime(value: string): Date | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(value.trim());
  const example = "e.g. 2025-03-03T14:05:00Z";
  if (!m) return `must be an ISO 8601 date-time, ${example}; got ${JSON.stringify(value)}`;
  const [, y, mo, d, hh = "00", mi = "00", ss = "00", frac = "", zone = "Z"] = m;
  const month = Number(mo);
  const day = Number(d);
  const leap = (Number(y) % 4 === 0 && Number(y) % 100 !== 0) || Number(y) % 400 === 0;
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!)) return `no such date: ${JSON.stringify(value)}`;
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return `no such time of day: ${JSON.stringify(value)}`;
  const z = zone === "Z" || zone === "z" ? "Z" : zone.length === 3 ? `${zone}:00` : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss}${frac.slice(0, 4)}${z}`);
  if (!Number.isFinite(ms)) return `must be an ISO 8601 date-time, ${example}; got ${JSON.stringify(value)}`;
  if (ms < LIMITS.minTimeMs || ms >= LIMITS.maxTimeMs) return "out of range (2000-01-01 to 2100-01-01)";
  return new Date(ms);
}
