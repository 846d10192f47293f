/**
 * Issue 4 on the real broker and database: the labeling service consumes interactions and
 * feedback, builds pairs by the rules (comparisons as they are, thumbs only within a prompt,
 * outcomes weighted, reopen scoped), publishes them on the pairs topic, dead-letters a bad
 * record, and stores immutable snapshots that are announced, exported and imported.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ComparisonChoice, DatasetAnnouncementSchema, OutcomeKind, PairSource, PreferencePairSchema } from "@rlhf-loop/proto";
import { runDatasetExport, runDatasetImport } from "@rlhf-loop/labeling";
import { comparison, interaction, outcome, stackEnv, startHarness, thumb, type Harness } from "./harness.js";

let h: Harness;
let dir: string;
const T0 = Date.parse("2025-03-03T10:00:00Z");

before(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), "labeling-pipeline-"));
});
after(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, out, err };
};

test("pairs follow the rules, reach the pairs topic once, and bad records are dead-lettered", async () => {
  const t = h.tenantId;
  const pw = "How do I reset my password?";
  await h.publishInteractions([
    interaction(t, "x1", pw, "Use the reset link on the login page.", { at: T0 }),
    interaction(t, "x2", "How do I  reset my password? ", "I cannot help with that.", { at: T0 + 1 }),
    interaction(t, "x3", pw, "Call us.", { at: T0 + 2 }),
    interaction(t, "y1", "Where is my order?", "It ships tomorrow.", { at: T0 + 3 }),
    interaction(t, "r0", "Cancel my plan", "No.", { at: T0 + 4, conversationId: "c-r" }),
    interaction(t, "r1", "Cancel my plan", "Done: your plan ends on the 30th.", { at: T0 + 5, conversationId: "c-r", regeneratedFrom: "r0" }),
    // A conversation that moved on to another question before its ticket was reopened.
    interaction(t, "m0", "Refund for order 7", "Refund started.", { at: T0, conversationId: "c-m", turnIndex: 0 }),
    interaction(t, "m1", "And my password?", "Use the reset link.", { at: T0 + 60_000, conversationId: "c-m", turnIndex: 1 }),
    interaction(t, "m2", "Refund for order 7", "Refunds take 5 days.", { at: T0 }),
  ]);
  await h.publishFeedback([
    thumb(t, "x1", true, { rater: "u1", id: "f-up-x1" }),
    thumb(t, "y1", false, { rater: "u3", id: "f-down-y1" }), // other prompt: must not pair with x1
    thumb(t, "x2", false, { rater: "u2", id: "f-down-x2" }),
    comparison(t, "r1", "r0", ComparisonChoice.THIS, { rater: "u4", id: "f-cmp" }),
    outcome(t, "x3", OutcomeKind.ESCALATION, { id: "f-esc-x3", at: T0 + 3_600_000 }),
    thumb(t, "m2", true, { rater: "u5", id: "f-up-m2" }),
    outcome(t, "m0", OutcomeKind.REOPEN, { id: "f-reopen-m0", at: T0 + 86_400_000 }),
    // Feedback before its interaction: waits, then pairs.
    thumb(t, "late", false, { rater: "u6", id: "f-down-late" }),
  ]);
  await h.eventually(async () => {
    const r = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".feedback where status = 'pending'`);
    assert.equal(r.rows[0]?.n, 1, "only the feedback on the missing interaction waits");
    const p = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".pairs`);
    assert.equal(p.rows[0]?.n, 3);
  });
  await h.publishInteractions([interaction(t, "late", pw, "Try turning it off and on.", { at: T0 + 10 })]);

  const pairs = await h.eventually(async () => {
    const got = await h.readTopic(h.topics.pairs, PreferencePairSchema);
    assert.equal(got.length, 4, `pairs on the topic: ${got.map((p) => `${p.chosenInteractionId}>${p.rejectedInteractionId}`).join(", ")}`);
    return got;
  });
  const edges = pairs.map((p) => `${p.chosenInteractionId}>${p.rejectedInteractionId}:${PairSource[p.source]}`).sort();
  // No y1 (a downvote on another prompt never pairs) and no m0 (a reopen on a turn the
  // conversation had moved past is not a downvote of it).
  assert.deepEqual(edges, ["r1>r0:COMPARISON", "x1>late:THUMBS", "x1>x2:THUMBS", "x1>x3:OUTCOME"]);
  assert.ok(pairs.every((p) => p.tenantId === t && p.promptHash.length === 64));
  const esc = pairs.find((p) => p.rejectedInteractionId === "x3");
  assert.equal(esc?.contributions.find((c) => c.raterId === "outcome:escalation")?.weight, 1, "escalation weight 2, half of it to this pair");
  assert.equal(esc?.chosen, "Use the reset link on the login page.");
  assert.equal(esc?.prompt[0]?.content, pw);
  const ignored = await h.pool.query<{ ignore_reason: string }>(`select ignore_reason from "${h.schema}".feedback where feedback_id = 'f-reopen-m0'`);
  assert.equal(ignored.rows[0]?.ignore_reason, "reopen_not_final_turn");

  // Redelivered feedback changes nothing.
  await h.publishFeedback([thumb(t, "x2", false, { rater: "u2", id: "f-down-x2" })]);
  // A record that is not a Feedback goes to the DLQ with its error, and the consumer moves on.
  await h.bus.publishRaw(h.topics.feedback, [{ key: "bad", value: new Uint8Array([0xff, 0xff, 0xff]), headers: { type: "rlhf.v1.Feedback" } }]);
  await h.publishFeedback([thumb(t, "x3", false, { rater: "u7", id: "f-down-x3-after-bad" })]);
  await h.eventually(async () => {
    const r = await h.pool.query<{ status: string }>(`select status from "${h.schema}".feedback where feedback_id = 'f-down-x3-after-bad'`);
    assert.equal(r.rows[0]?.status, "applied");
    assert.equal(await h.topicCount(`${h.topics.feedback}.dlq`), 1);
  });
  const total = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".pairs`);
  // x3's new downvote pairs with x1's upvote: one more, and the replay none.
  assert.equal(total.rows[0]?.n, 5);
});

test("snapshots are immutable, carry a manifest, are announced, and round-trip through every export format", async () => {
  const built = await h.http("POST", "/v1/datasets", h.leadKey, { name: "support-prefs", policy: { raterCapPerWindow: 0, heavyShareMax: 1 } });
  assert.equal(built.status, 201, built.text);
  const manifest = built.body["manifest"] as Record<string, unknown>;
  assert.equal(manifest["datasetId"], "support-prefs@1");
  assert.equal(manifest["pairCount"], "5");
  const bySource = manifest["bySource"] as { key: string; shareBefore: number; shareAfter: number }[];
  assert.deepEqual(bySource.map((s) => s.key).sort(), ["comparison", "outcome", "thumbs"]);
  assert.ok(Math.abs(bySource.reduce((s, x) => s + x.shareAfter, 0) - 1) < 1e-9);
  assert.ok((manifest["byRater"] as unknown[]).length >= 5);

  // A second build is a new version; the first never changes.
  const again = await h.http("POST", "/v1/datasets", h.leadKey, { name: "support-prefs" });
  assert.equal((again.body["manifest"] as Record<string, unknown>)["datasetId"], "support-prefs@2");
  await assert.rejects(h.pool.query(`update "${h.schema}".dataset_pairs set final_weight = 0 where dataset_id = 'support-prefs@1'`), /immutable/);
  await assert.rejects(h.pool.query(`delete from "${h.schema}".datasets where dataset_id = 'support-prefs@1'`), /immutable/);

  const announced = await h.eventually(async () => {
    const a = await h.readTopic(h.topics.datasets, DatasetAnnouncementSchema);
    assert.equal(a.length, 2);
    return a;
  });
  assert.deepEqual(announced.map((a) => a.manifest?.datasetId).sort(), ["support-prefs@1", "support-prefs@2"]);

  const dbUrl = stackEnv().databaseUrl;
  const env = { databaseUrl: dbUrl, schema: h.schema, tenantId: h.tenantId };
  for (const format of ["trl", "trl-conversational", "openai-dpo", "hh"] as const) {
    const first = join(dir, `${format}-1.jsonl`);
    const second = join(dir, `${format}-2.jsonl`);
    const x = io();
    const exp = await runDatasetExport({ ...env, dataset: "support-prefs@1", format, out: first, weights: false }, x.io);
    assert.equal(exp.exitCode, 0, x.err.join(""));
    assert.equal(exp.result?.pairs, 5);
    const y = io();
    const imp = await runDatasetImport({ ...env, file: first, name: `imported-${format}`, format: "auto" }, y.io);
    assert.equal(imp.exitCode, 0, y.err.join(""));
    assert.equal(imp.result?.format, format);
    const z = io();
    assert.equal((await runDatasetExport({ ...env, dataset: `imported-${format}`, format, out: second, weights: false }, z.io)).exitCode, 0);
    assert.equal(readFileSync(second, "utf8"), readFileSync(first, "utf8"), `${format} round trip`);
  }
  // Argument-vector form, as `rlhf dataset export` passes it: plain TRL to stdout.
  const w = io();
  const viaArgs = await runDatasetExport(["--dataset", "support-prefs", "--format", "trl", "--conversational", "--database-url", dbUrl, "--schema", h.schema, "--tenant", h.tenantId], w.io);
  assert.equal(viaArgs.exitCode, 0, w.err.join(""));
  assert.equal(viaArgs.result?.datasetId, "support-prefs@2");
  assert.equal(w.out.join("").trim().split("\n").length, 5);
});

test("a malformed import fails with line numbers and reasons and imports nothing", async () => {
  const dbUrl = stackEnv().databaseUrl;
  const file = join(dir, "bad.jsonl");
  writeFileSync(file, ['{"prompt": "p", "chosen": "a", "rejected": "b"}', '{"prompt": "p", "chosen": 3, "rejected": "b"}', "not json", '{"prompt": "q", "chosen": "a", "rejected": "b"}'].join("\n"));
  const before = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".datasets`);
  const x = io();
  const r = await runDatasetImport(["--file", file, "--name", "broken", "--format", "trl", "--database-url", dbUrl, "--schema", h.schema, "--tenant", h.tenantId], x.io);
  assert.equal(r.exitCode, 1);
  const err = x.err.join("");
  assert.match(err, /nothing was imported/);
  assert.match(err, /line 2: "chosen" must be a string, got a number/);
  assert.match(err, /line 3: not valid JSON/);
  const afterCount = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".datasets`);
  assert.equal(afterCount.rows[0]?.n, before.rows[0]?.n);
  const usage = io();
  assert.equal((await runDatasetImport(["--name", "x"], usage.io)).exitCode, 2);
  assert.match(usage.err.join(""), /--file is required/);
});
