// Word-level text handling shared by training and serving: one normalization, one tokenizer, one
// way back to text, so a model never sees features computed differently from how it was trained.

/** NFKC, unified apostrophes and quotes, collapsed whitespace; lowercased unless told otherwise. */
export function normalizeText(text: string, opts: { lowercase?: boolean } = {}): string {
  let s = text.normalize("NFKC").replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, '"');
  s = s.replace(/\s+/gu, " ").trim();
  return opts.lowercase === false ? s : s.toLowerCase();
}

// Words (letters, marks, digits, inner apostrophes and hyphens), numbers with inner separators,
// or one punctuation character.
const TOKEN = /\p{L}[\p{L}\p{M}\p{N}]*(?:['-][\p{L}\p{N}]+)*|\p{N}+(?:[.,:/]\p{N}+)*[\p{L}]*|[^\s\p{L}\p{N}]/gu;

/** Word tokens of normalized text. */
export function tokenize(text: string, opts: { lowercase?: boolean } = {}): string[] {
  return normalizeText(text, opts).match(TOKEN) ?? [];
}

const NO_SPACE_BEFORE = new Set([".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "'"]);
const NO_SPACE_AFTER = new Set(["(", "[", "{", "$", "#"]);

/** Joins tokens back into readable text (no space before closing punctuation). */
export function detokenize(tokens: readonly string[]): string {
  let out = "";
  let prev = "";
  for (const t of tokens) {
    if (out.length > 0 && !NO_SPACE_BEFORE.has(t) && !NO_SPACE_AFTER.has(prev)) out += " ";
    out += t;
    prev = t;
  }
  return out;
}
