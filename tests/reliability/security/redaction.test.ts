/**
 * Issue 10, optional PII redaction (INGEST_REDACT_PII): with it on, e-mail addresses and phone
 * numbers sent in prompts, answers and comments over HTTP and gRPC never reach the topics or
 * Postgres; placeholders do. A retry of the same event is still a duplicate.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createGrpcClient } from "@rlhf-loop/kit";
import { FeedbackIngest, FeedbackSchema, FeedbackSource, InteractionSchema, Role } from "@rlhf-loop/proto";
import { post, startHarness } from "../../ingestion/harness.js";
import { readStackEnv } from "../../support/stack-env.js";

const skip = readStackEnv() ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)";
const PII = ["jane.doe+refunds@example.co.uk", "+44 20 7946 0958", "(415) 555-2671", "ops@support.example.com", "+1-415-555-2671", "030 901820"];

test("with INGEST_REDACT_PII on, no e-mail address or phone number reaches the topic or Postgres", { skip, timeout: 90_000 }, async () => {
  const h = await startHarness({ redactPii: true });
  try {
    const ix = {
      interactionId: "pii-1",
      conversationId: "c-pii",
      prompt: [
        { role: "ROLE_SYSTEM", content: "You are a support bot." },
        { role: "ROLE_USER", content: `I am ${PII[0]}, call me on ${PII[1]} about order 12345678.` },
      ],
      answer: `We will call ${PII[2]} or write to ${PII[0]} on 2025-03-03.`,
      modelVersion: "m1",
      occurredAt: "2025-03-03T10:00:00Z",
      idempotencyKey: "pii-ix-1",
    };
    const r = await post(h.baseUrl, "/v1/interactions", ix, { apiKey: h.apiKey });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    // The retry of the same (unredacted) content is recognised: the fingerprint is taken after redaction.
    const again = await post(h.baseUrl, "/v1/interactions", ix, { apiKey: h.apiKey });
    assert.equal(again.status, 200);
    assert.equal((again.body as { duplicate: boolean }).duplicate, true);
    const fb = await post(h.baseUrl, "/v1/feedback", { interactionId: "pii-1", source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_DOWN" }, comment: `mail me at ${PII[3]}` }, { apiKey: h.apiKey });
    assert.equal(fb.status, 202, JSON.stringify(fb.body));
    const g = createGrpcClient(FeedbackIngest, h.grpcAddress);
    try {
      await g.recordInteraction(
        { interaction: { interactionId: "pii-2", conversationId: "c-pii", prompt: [{ role: Role.USER, content: `phone ${PII[4]}` }], answer: `noted ${PII[5]}`, modelVersion: "m1", occurredAt: timestampFromMs(Date.parse("2025-03-03T10:01:00Z")) } },
        { metadata: { authorization: `Bearer ${h.apiKey}` } },
      );
    } finally {
      g.close();
    }

    const interactions = await h.eventually(async () => {
      const got = await h.readTopic(h.topics.interactions, InteractionSchema);
      assert.equal(got.length, 2);
      return got;
    });
    const feedback = await h.readTopic(h.topics.feedback, FeedbackSchema);
    const onTopics = JSON.stringify([...interactions.map((x) => ({ p: x.message.prompt.map((m) => m.content), a: x.message.answer })), ...feedback.map((x) => x.message.comment)]);
    for (const p of PII) assert.ok(!onTopics.includes(p), `${p} reached the topic: ${onTopics}`);
    const first = interactions.find((x) => x.message.interactionId === "pii-1")!.message;
    assert.equal(first.prompt[0]!.content, "You are a support bot.");
    assert.equal(first.prompt[1]!.content, "I am [email], call me on [phone] about order 12345678.");
    assert.equal(first.answer, "We will call [phone] or write to [email] on 2025-03-03.");
    assert.equal(feedback[0]!.message.comment, "mail me at [email]");
    assert.equal(interactions.find((x) => x.message.interactionId === "pii-2")!.message.answer, "noted [phone]");
    assert.equal(feedback[0]!.message.source, FeedbackSource.END_USER);

    // Postgres: every cell of every table of the schema, once both interactions and the feedback are stored.
    await h.eventually(async () => {
      const n = await h.pool.query<{ i: number; f: number }>(`select (select count(*)::int from "${h.schema}".interactions) i, (select count(*)::int from "${h.schema}".feedback) f`);
      assert.deepEqual(n.rows[0], { i: 2, f: 1 });
    });
    const cols = await h.pool.query<{ table_name: string; column_name: string }>(
      "select c.table_name, c.column_name from information_schema.columns c join information_schema.tables t using (table_schema, table_name) where c.table_schema = $1 and t.table_type = 'BASE TABLE'",
      [h.schema],
    );
    let sawPlaceholder = false;
    for (const c of cols.rows) {
      const rows = await h.pool.query<{ v: string | null }>(`select "${c.column_name}"::text v from "${h.schema}"."${c.table_name}"`);
      for (const { v } of rows.rows) {
        if (v === null) continue;
        for (const p of PII) assert.ok(!v.includes(p), `${c.table_name}.${c.column_name} stores ${p}`);
        // bytea columns print as hex: check the raw bytes of each value too.
        if (v.startsWith("\\x")) {
          const text = Buffer.from(v.slice(2), "hex").toString("utf8");
          for (const p of PII) assert.ok(!text.includes(p), `${c.table_name}.${c.column_name} stores ${p} (bytes)`);
        }
        if (v.includes("[email]") || v.includes("[phone]")) sawPlaceholder = true;
      }
    }
    assert.ok(sawPlaceholder, "the redacted text itself is stored");
  } finally {
    await h.close();
  }
});
