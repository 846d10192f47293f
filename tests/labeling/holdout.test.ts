/**
 * The canary holdout on the real broker and database: feedback on a held-out conversation makes no
 * vote and no pair (ignored, reason canary_holdout), held-out answers never enter the review queue,
 * an expert judgment on a task that touches one makes no pair, and a pair stored before the rule is
 * neither published on the pairs topic nor put in a snapshot. Each stage is counted in
 * rlhf_labeling_holdout_skipped_total{stage}.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createGrpcClient, type GrpcClient } from "@rlhf-loop/kit";
import { ComparisonChoice, Labeling, PreferencePairSchema, ReviewChoice } from "@rlhf-loop/proto";
import { comparison, interaction, startHarness, thumb, type Harness } from "./harness.js";

let h: Harness;
let grpc: GrpcClient<typeof Labeling>;
const auth = (key: string) => ({ metadata: { authorization: `Bearer ${key}` } });
const T0 = Date.parse("2025-03-03T10:00:00Z");
const rubric = { version: "hold-v1", title: "Support answers", instructions: "", criteria: [{ name: "helpful", description: "Helps the customer" }], changeNote: "" };

before(async () => {
  // Every review candidate is sampled (base 1), one expert per task, no gold: a skipped task is the rule, not the draw.
  h = await startHarness({
    review: {
      inclusion: { compliance_flag: 1, escalation: 1, refund: 1, reopen: 1, low_agreement: 1, base: 1 },
      overlapShare: 0,
      overlapRaters: 2,
      goldShare: 0,
      lowAgreementMinority: 0.3,
      lowAgreementMinVotes: 3,
      seed: "holdout-test",
    },
  });
  grpc = createGrpcClient(Labeling, h.grpcAddress);
});
after(async () => {
  grpc?.close();
  await h?.close();
});

async function skipped(stage: string): Promise<number> {
  const m = new RegExp(`rlhf_labeling_holdout_skipped_total\\{[^}]*stage="${stage}"[^}]*\\} (\\d+)`).exec(await h.metrics.render());
  return Number(m?.[1] ?? 0);
}

test("held-out conversations never become pairs, review tasks, published pairs or snapshot rows", async () => {
  const t = h.tenantId;
  const p = "Where is my parcel? It is a week late.";
  await h.publishInteractions([
    interaction(t, "k1", p, "It is in transit and arrives tomorrow.", { at: T0 }),
    interaction(t, "h1", p, "I have shipped a replacement by express.", { at: T0 + 1, heldOut: true }),
    interaction(t, "k2", p, "Please wait.", { at: T0 + 2 }),
    interaction(t, "k3", p, "Our delivery policy treats a parcel as lost after 10 days.", { at: T0 + 3 }),
  ]);
  await h.publishFeedback([
    thumb(t, "k1", true, { rater: "u1", id: "f-up-k1" }),
    thumb(t, "h1", false, { rater: "u2", id: "f-down-h1" }), // would pair with k1's upvote
    comparison(t, "k3", "h1", ComparisonChoice.THIS, { rater: "u3", id: "f-cmp-k3-h1" }),
    thumb(t, "k2", false, { rater: "u4", id: "f-down-k2" }),
  ]);
  await h.eventually(async () => {
    const fb = await h.pool.query<{ feedback_id: string; status: string; ignore_reason: string | null }>(`select feedback_id, status, ignore_reason from "${h.schema}".feedback order by feedback_id`);
    assert.deepEqual(
      fb.rows.map((r) => [r.feedback_id, r.status, r.ignore_reason ?? ""]),
      [["f-cmp-k3-h1", "ignored", "canary_holdout"], ["f-down-h1", "ignored", "canary_holdout"], ["f-down-k2", "applied", ""], ["f-up-k1", "applied", ""]],
    );
  });
  const pairs = await h.pool.query<{ chosen_id: string; rejected_id: string }>(`select chosen_id, rejected_id from "${h.schema}".pairs order by chosen_id`);
  assert.deepEqual(pairs.rows.map((r) => `${r.chosen_id}>${r.rejected_id}`), ["k1>k2"]);
  assert.equal(await skipped("feedback"), 2);

  // Review candidates: every pair of kept answers to the prompt may become a task, none with h1.
  const tasks = await h.pool.query<{ a: string; b: string }>(`select interaction_a a, interaction_b b from "${h.schema}".review_tasks`);
  assert.ok(tasks.rows.length >= 1, "kept answers still reach the review queue");
  assert.ok(tasks.rows.every((r) => r.a !== "h1" && r.b !== "h1"), JSON.stringify(tasks.rows));
  assert.ok((await skipped("review")) >= 1);

  // Evidence stored before the rule existed: a pair and an open review task touching h1.
  await h.pool.query(
    `insert into "${h.schema}".pairs (tenant_id, pair_id, group_key, prompt_hash, chosen_id, rejected_id, source, weight, contributions, occurred_at)
     select tenant_id, 'pr_old_h1', group_key, prompt_hash, 'k3', 'h1', 'thumbs', 1, '[{"raterId":"u9","source":"end_user","segment":"consumer","weight":1,"evidenceId":"old","atMs":0}]'::jsonb, now()
       from "${h.schema}".answers where interaction_id = 'k3'`,
  );
  await h.pool.query(`update "${h.schema}".review_tasks set closed_at = now()`);
  await h.pool.query(
    `insert into "${h.schema}".review_tasks (tenant_id, task_id, candidate_key, interaction_a, interaction_b, stratum, inclusion_probability, sampling_weight, judgments_required)
     values ($1, 'task_old_h1', 'old-h1', 'k3', 'h1', 'base', 1, 1, 1)`,
    [t],
  );

  await h.service.flushPairs();
  const onTopic = await h.eventually(async () => {
    const got = await h.readTopic(h.topics.pairs, PreferencePairSchema);
    assert.equal(got.length, 1);
    return got;
  });
  assert.deepEqual(onTopic.map((x) => `${x.chosenInteractionId}>${x.rejectedInteractionId}`), ["k1>k2"]);
  const unpublished = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".pairs where published_at is null`);
  assert.equal(unpublished.rows[0]?.n, 0, "the held-out pair left the outbox without being published");
  assert.equal(await skipped("publish"), 1);

  const built = await h.http("POST", "/v1/datasets", h.leadKey, { name: "holdout-prefs", policy: { raterCapPerWindow: 0, heavyShareMax: 1 } });
  assert.equal(built.status, 201, built.text);
  assert.equal((built.body["manifest"] as Record<string, unknown>)["pairCount"], "1");
  const rows = await h.pool.query<{ edge: string }>(
    `select (pair->>'chosenInteractionId') || '>' || (pair->>'rejectedInteractionId') edge from "${h.schema}".dataset_pairs where dataset_id = 'holdout-prefs@1'`,
  );
  assert.deepEqual(rows.rows.map((r) => r.edge), ["k1>k2"]);
  assert.equal(await skipped("snapshot"), 1);

  // An expert judges the old task: the judgment is kept, no pair is made.
  await grpc.publishRubric({ rubric }, auth(h.leadKey));
  const e1 = await h.rater("expert-1");
  const next = await grpc.nextTask({}, auth(e1));
  assert.ok(next.task, "the old task is served");
  const before = await skipped("review");
  const j = await grpc.submitJudgment({ taskId: next.task.taskId, choice: ReviewChoice.A, rubricVersion: "hold-v1", criteria: [{ criterion: "helpful", aMet: true, bMet: false }] }, auth(e1));
  assert.equal(j.judgment?.taskId, "task_old_h1");
  const expert = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".pairs where source = 'expert_review'`);
  assert.equal(expert.rows[0]?.n, 0);
  assert.equal(await skipped("review"), before + 1);
});
