import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { FeedbackSchema, InteractionSchema } from "@rlhf-loop/proto";
import { EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER, redactFeedback, redactInteraction, redactPii } from "./redact.js";

// Valid addresses from Wikipedia's "Email address" article (Examples > Valid email addresses),
// less the quoted-local-part and IP-literal forms that the pattern deliberately leaves out.
const EMAILS = [
  "simple@example.com",
  "very.common@example.com",
  "FirstName.LastName@EasierReading.org",
  "x@example.com",
  "long.email-address-with-hyphens@and.subdomains.example.com",
  "user.name+tag+sorting@example.com",
  "name/surname@example.com",
  "example-indeed@strange-example.com",
  "mailhost!username@example.org",
  "user%example.com@example.org",
  "user-@example.org",
  "jane_o'neil@mail.co.uk",
];

// Formats from Wikipedia's "National conventions for writing telephone numbers" and the ITU-T
// E.123 / E.164 examples (international, national with trunk prefix, bracketed area codes).
const PHONES = [
  "+1 415 555 2671", // E.164 / NANP, international
  "(415) 555-2671", // NANP national
  "415-555-2671",
  "415.555.2671",
  "+1-415-555-2671",
  "+44 20 7946 0958", // UK London
  "020 7946 0958",
  "+44 (0)20 7946 0958",
  "+49 30 901820", // Germany, Berlin
  "030 901820",
  "+33 1 42 68 53 00", // France
  "01 42 68 53 00",
  "+81 3-1234-5678", // Japan
  "+61 2 9876 5432", // Australia
  "+91 98765 43210", // India mobile
  "0044 20 7946 0958", // 00 international prefix
  "+14155552671", // E.164 compact
  "4155552671",
];

// Numbers a support chat is full of that are not phone numbers.
const NOT_PHONES = [
  "order 12345678",
  "refund of 49.99 USD",
  "on 2025-03-03 at 10:30",
  "on 03/04/2025",
  "invoice INV-2025-001234",
  "version 1.2.3",
  "within 30 days",
  "card ending 4242",
  "tracking 1Z999AA10123456784",
];

test("every listed e-mail format is replaced, with the text around it kept", () => {
  for (const e of EMAILS) {
    const out = redactPii(`Contact me at ${e}, thanks.`);
    assert.equal(out, `Contact me at ${EMAIL_PLACEHOLDER}, thanks.`, e);
  }
});

test("every listed phone format is replaced, with the text around it kept", () => {
  for (const p of PHONES) {
    const out = redactPii(`Call me on ${p} please`);
    assert.equal(out, `Call me on ${PHONE_PLACEHOLDER} please`, p);
  }
});

test("dates, amounts, order and tracking numbers are left alone", () => {
  for (const t of NOT_PHONES) assert.equal(redactPii(t), t);
});

test("several occurrences, mixed; text without any is returned unchanged", () => {
  assert.equal(redactPii("a@b.io or +1 415 555 2671 or c.d@e.org"), `${EMAIL_PLACEHOLDER} or ${PHONE_PLACEHOLDER} or ${EMAIL_PLACEHOLDER}`);
  const plain = "My package is late, where is it?";
  assert.equal(redactPii(plain), plain);
  assert.equal(redactPii("not an address: user@localhost"), "not an address: user@localhost");
});

test("redactInteraction covers every prompt message and the answer; redactFeedback the comment", () => {
  const m = create(InteractionSchema, {
    interactionId: "i1",
    prompt: [
      { role: 1, content: "System: be nice" },
      { role: 2, content: "I am jo@example.com, phone 020 7946 0958" },
    ],
    answer: "We'll email jo@example.com.",
  });
  redactInteraction(m);
  assert.equal(m.prompt[0]!.content, "System: be nice");
  assert.equal(m.prompt[1]!.content, `I am ${EMAIL_PLACEHOLDER}, phone ${PHONE_PLACEHOLDER}`);
  assert.equal(m.answer, `We'll email ${EMAIL_PLACEHOLDER}.`);
  const f = create(FeedbackSchema, { interactionId: "i1", comment: "call +33 1 42 68 53 00" });
  redactFeedback(f);
  assert.equal(f.comment, `call ${PHONE_PLACEHOLDER}`);
});

test("a long adversarial input is handled in linear time", () => {
  const nasty = `${"a.".repeat(20_000)}@${"1 ".repeat(20_000)}`;
  const t0 = performance.now();
  redactPii(nasty);
  assert.ok(performance.now() - t0 < 500, `took ${performance.now() - t0} ms`);
});
