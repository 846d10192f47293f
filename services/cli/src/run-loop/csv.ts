// A small RFC 4180 reader (no CSV package is installed): quoted fields with doubled quotes, commas
// and line breaks inside quotes, CRLF or LF between records, a leading byte-order mark. Each record
// keeps the physical line it starts on, so a bad row can be named the way an editor shows it.

export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  readonly line: number;
  readonly fields: string[];
}

export interface CsvSyntaxError {
  readonly line: number;
  /** 1-based field position within the record. */
  readonly field: number;
  readonly reason: string;
}

export interface CsvParse {
  readonly records: CsvRecord[];
  readonly errors: CsvSyntaxError[];
}

/**
 * Splits CSV text into records. A record with a syntax error (a quote inside an unquoted field,
 * text after a closing quote, a quote left open at the end) is reported and left out; reading
 * goes on at the next record. Completely empty lines are skipped.
 */
export function parseCsv(input: string): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const errors: CsvSyntaxError[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let error: CsvSyntaxError | undefined;
    let endOfRecord = false;

    while (!endOfRecord) {
      let field = "";
      if (text[i] === '"') {
        const quotedOpenLine = line;
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
          field += c;
          i++;
        }
        if (!closed) {
          error ??= { line: quotedOpenLine, field: fields.length + 1, reason: "a quoted field is never closed" };
          fields.push(field);
          break;
        }
        // After the closing quote: a separator, a record end, or the end of the text.
        if (i < n && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
          error ??= { line, field: fields.length + 1, reason: "text after a closing quote (quote the whole field and double any quote inside it)" };
          while (i < n && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") i++;
        }
      } else {
        while (i < n) {
          const c = text[i]!;
          if (c === "," || c === "\r" || c === "\n") break;
          if (c === '"') error ??= { line, field: fields.length + 1, reason: "a quote inside an unquoted field (quote the whole field and double the quote)" };
          field += c;
          i++;
        }
      }
      fields.push(field);
      if (i >= n) {
        endOfRecord = true;
      } else if (text[i] === ",") {
        i++;
        if (i >= n) {
          fields.push("");
          endOfRecord = true;
        }
      } else {
        // \r\n, \n or a lone \r ends the record.
        if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
        else i++;
        line++;
        endOfRecord = true;
      }
    }
    if (error) errors.push(error);
    else if (!(fields.length === 1 && fields[0] === "")) records.push({ line: startLine, fields });
  }
  return { records, errors };
}

/** RFC 4180 quoting, for writing rows back (tests, examples). */
export function csvQuote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
