/**
 * Optional PII redaction (INGEST_REDACT_PII): e-mail addresses and phone numbers in prompt
 * messages, answers and feedback comments are replaced by placeholders before the event is
 * fingerprinted, published or persisted, so nothing unredacted reaches training.
 */
import type { Feedback, Interaction } from "@rlhf-loop/proto";

export const EMAIL_PLACEHOLDER = "[email]";
export const PHONE_PLACEHOLDER = "[phone]";

// RFC 5322 "dot-atom" local part (no quoted forms, at most 64 characters) and a domain of dotted
// labels with a 2+ letter TLD. Matches start only at a token start and every repeat is bounded,
// so a long crafted input costs linear time (no quadratic rescans from each position).
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-";
const EMAIL = new RegExp(`(?<![${ATEXT}.])[${ATEXT}][${ATEXT}.]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,8}[A-Za-z]{2,63}\\b`, "g");

// A phone number: optional +country code or leading 00, then groups of digits split by spaces,
// dots, dashes or a bracketed area code; 7..15 digits in all (E.164 allows at most 15). Digits
// glued to letters or to other digits (order ids, dates) are not matched.
const PHONE = /(?<![\w+.-])(?:\+|00)?(?:\(\d{1,4}\)|\d{1,4})(?:[ .\-\u00a0]?(?:\(\d{1,4}\)|\d{1,5})){1,6}(?![\w])/g;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

// ISO dates and times look like digit groups too; they are not phone numbers.
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{1,2}[.:]\d{2}(?:[.:]\d{2})?$/;

/** `text` with e-mail addresses and phone numbers replaced by placeholders. */
export function redactPii(text: string): string {
  if (text.indexOf("@") >= 0) text = text.replace(EMAIL, EMAIL_PLACEHOLDER);
  if (!/\d/.test(text)) return text;
  return text.replace(PHONE, (m) => {
    const digits = digitCount(m);
    if (digits < 7 || digits > 15) return m;
    if (DATE_LIKE.test(m)) return m;
    // Plain digit runs without separators or a + are ids (orders, invoices), unless E.164-long.
    if (/^\d+$/.test(m) && digits < 10) return m;
    return PHONE_PLACEHOLDER;
  });
}

/** Redacts an interaction's prompt messages and answer in place. */
export function redactInteraction(m: Interaction): void {
  for (const msg of m.prompt) msg.content = redactPii(msg.content);
  m.answer = redactPii(m.answer);
}

/** Redacts a feedback's free-text comment in place. */
export function redactFeedback(m: Feedback): void {
  if (m.comment !== "") m.comment = redactPii(m.comment);
}
