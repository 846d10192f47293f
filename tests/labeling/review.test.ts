/**
 * Issue 4, expert review over gRPC on the real broker and database: tasks need a published
 * rubric; judgments record their rubric version and become expert pairs with their sampling
 * weight; publishing a new version pauses collection under the old one (metric, log, marked
 * judgments); the review queue oversamples failures with recorded weights and sends a share of
 * tasks to two experts; gold items and the audit flag and down-weight a careless expert.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AppError, createGrpcClient, type GrpcClient } from "@rlhf-loop/kit";
import { ComparisonChoice, FeedbackSource, Labeling, OutcomeKind, PreferencePairSchema, ReviewChoice, RubricStatus } from "@rlhf-loop/proto";
import { comparison, interaction, outcome, startHarness, type Harness } from "./harness.js";

let h: Harness;
let grpc: GrpcClient<typeof Labeling>;
const auth = (key: string) => ({ metadata: { authorization: `Bearer ${key}` } });
const T0 = Date.parse("2025-03-03T10:00:00Z");

const rubricV1 = {
  version: "support-v1",
  title: "Support answers",
  instructions: "Judge which answer a careful support lead would send.",
  criteria: [
    { name: "followed_refund_policy", description: "Followed the refund policy" },
    { name: "asked_one_clarifying_question", description: "Asked one clarifying question when the request was unclear" },
    { name: "approved_tone", description: "Used the approved tone" },
  ],
  changeNote: "",
};

before(async () => {
  // Every candidate is sampled here (base 1) so the flow is deterministic; the sampling test
  // below uses its own harness with the default rates.
  h = await startHarness({
    review: {
      inclusion: { compliance_flag: 1, escalation: 1, refund: 1, reopen: 1, low_agreement: 1, base: 1 },
      overlapShare: 0.5,
      overlapRaters: 2,
      goldShare: 0,
      lowAgreementMinority: 0.3,
      lowAgreementMinVotes: 3,
      seed: "review-test",
    },
  }, "review-tenant");
  grpc = createGrpcClient(Labeling, h.grpcAddress);
});
after(async () => {
  grpc?.close();
  await h?.close();
});

async function rejects(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const checks = (names: readonly string[], a: boolean, b: boolean) => names.map((criterion) => ({ criterion, aMet: a, bMet: b }));

test("tasks need a rubric; judgments record it and become expert pairs; a new version pauses the old one", async () => {
  const t = h.tenantId;
  const groups = 6;
  await h.publishInteractions(
    Array.from({ length: groups }, (_, g) => [
      interaction(t, `g${g}-a`, `question ${g}`, `short answer ${g}`, { at: T0 + g }),
      interaction(t, `g${g}-b`, `question ${g}`, `a longer, better answer ${g}`, { at: T0 + g + 1 }),
    ]).flat(),
  );
  await h.eventually(async () => {
    const r = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".review_tasks`);
    assert.equal(r.rows[0]?.n, groups);
  });
  const e1 = await h.rater("expert-1");
  const e2 = await h.rater("expert-2");

  await rejects(grpc.nextTask({}, auth(e1)), "failed_precondition", /no rubric is published/);
  await rejects(grpc.nextTask({}, auth("lbk_nope")), "unauthenticated");
  await rejects(grpc.publishRubric({ rubric: rubricV1 }, auth(e1)), "permission_denied");
  await rejects(grpc.publishRubric({ rubric: { ...rubricV1, criteria: [{ name: "Bad Name", description: "" }] } }, auth(h.leadKey)), "invalid_argument", /rubric\.criteria\[0\]\.name/);
  const pub = await grpc.publishRubric({ rubric: rubricV1 }, auth(h.leadKey));
  assert.equal(pub.rubric?.status, RubricStatus.ACTIVE);
  assert.equal(pub.pausedVersion, "");

  const names = rubricV1.criteria.map((c) => c.name);
  const first = await grpc.nextTask({}, auth(e1));
  assert.ok(first.task, "a task is served");
  assert.equal(first.rubric?.version, "support-v1");
  assert.equal(first.task.rubricVersion, "support-v1");
  // The same expert asking again gets the task they hold.
  assert.equal((await grpc.nextTask({}, auth(e1))).task?.taskId, first.task.taskId);
  await rejects(
    grpc.submitJudgment({ taskId: first.task.taskId, choice: ReviewChoice.A, rubricVersion: "support-v1", criteria: checks(names.slice(1), true, false) }, auth(e1)),
    "invalid_argument",
    /misses followed_refund_policy/,
  );
  await rejects(grpc.submitJudgment({ taskId: first.task.taskId, choice: ReviewChoice.UNSPECIFIED, rubricVersion: "support-v1", criteria: checks(names, true, false) }, auth(e1)), "invalid_argument", /choice/);
  const j = await grpc.submitJudgment({ taskId: first.task.taskId, choice: ReviewChoice.B, rubricVersion: "support-v1", criteria: checks(names, false, true) }, auth(e1));
  assert.equal(j.judgment?.rubricVersion, "support-v1");
  await rejects(grpc.submitJudgment({ taskId: first.task.taskId, choice: ReviewChoice.B, rubricVersion: "support-v1", criteria: checks(names, false, true) }, auth(e1)), "already_exists");

  // The judgment is an expert pair: B's answer chosen, with its rubric version and sampling weight.
  const row = await h.pool.query<{ chosen_id: string; rejected_id: string; rubric_version: string; sampling_weight: number; source: string }>(
    `select p.chosen_id, p.rejected_id, p.rubric_version, p.sampling_weight, p.source from "${h.schema}".pairs p where source = 'expert_review'`,
  );
  const task = await h.pool.query<{ interaction_b: string }>(`select interaction_b from "${h.schema}".review_tasks where task_id = $1`, [first.task.taskId]);
  assert.equal(row.rows.length, 1);
  assert.equal(row.rows[0]?.chosen_id, task.rows[0]?.interaction_b);
  assert.equal(row.rows[0]?.rubric_version, "support-v1");
  assert.equal(row.rows[0]?.sampling_weight, 1);
  await h.eventually(async () => {
    const published = await h.readTopic(h.topics.pairs, PreferencePairSchema);
    assert.ok(published.some((p) => p.rubricVersion === "support-v1"));
  });

  // e2 holds a task served under v1 when the lead publishes v2.
  const held = await grpc.nextTask({}, auth(e2));
  assert.ok(held.task);
  const v2 = { ...rubricV1, version: "support-v2", criteria: [...rubricV1.criteria, { name: "cited_policy", description: "Cited the policy it applied" }], changeNote: "cite the policy" };
  const changed = await grpc.publishRubric({ rubric: v2 }, auth(h.leadKey));
  assert.equal(changed.pausedVersion, "support-v1");
  assert.equal(changed.judgmentsMarked, 2n, "the v1 judgment and its pair are marked");
  // Collection under v1 is paused: the held task cannot be submitted under it.
  await rejects(
    grpc.submitJudgment({ taskId: held.task.taskId, choice: ReviewChoice.A, rubricVersion: "support-v1", criteria: checks(names, true, false) }, auth(e2)),
    "failed_precondition",
    /collection under rubric support-v1 is paused: support-v2 replaced it/,
  );
  const metrics = await h.metrics.render();
  assert.match(metrics, new RegExp(`rlhf_labeling_collection_paused\\{[^}]*tenant="${h.tenantId}"[^}]*rubric_version="support-v1"[^}]*\\} 1`));
  assert.match(metrics, /rlhf_labeling_judgments_total\{[^}]*result="rejected_paused"[^}]*\} 1/);
  assert.equal((await grpc.getRubric({ version: "support-v1" }, auth(e2))).rubric?.status, RubricStatus.PAUSED);
  assert.equal((await grpc.getRubric({}, auth(e2))).rubric?.version, "support-v2");
  // Kept but marked; the change is logged.
  const marked = await h.pool.query<{ superseded: boolean }>(`select superseded from "${h.schema}".judgments`);
  assert.deepEqual(marked.rows.map((r) => r.superseded), [true]);
  const log = await h.pool.query<{ from_version: string; to_version: string; note: string }>(`select from_version, to_version, note from "${h.schema}".rubric_changes`);
  assert.deepEqual(log.rows, [{ from_version: "support-v1", to_version: "support-v2", note: "cite the policy" }]);
  // Versions are locked: v1 cannot be republished with other content; v2 again is a no-op.
  await rejects(grpc.publishRubric({ rubric: { ...rubricV1, title: "edited" } }, auth(h.leadKey)), "already_exists", /locked/);
  assert.equal((await grpc.publishRubric({ rubric: v2 }, auth(h.leadKey))).pausedVersion, "");
  await assert.rejects(h.pool.query(`update "${h.schema}".rubrics set title = 'x' where version = 'support-v1'`), /locked/);

  // An expert comparison that arrives as feedback under the paused version is kept, but marked.
  await h.publishFeedback([
    comparison(h.tenantId, "g5-b", "g5-a", ComparisonChoice.THIS, { rater: "outside-expert", source: FeedbackSource.EXPERT, rubric: "support-v1", id: "late-v1" }),
    comparison(h.tenantId, "g4-b", "g4-a", ComparisonChoice.THIS, { rater: "outside-expert", source: FeedbackSource.EXPERT, rubric: "support-v2", id: "fresh-v2" }),
  ]);
  await h.eventually(async () => {
    const r = await h.pool.query<{ rubric_version: string; superseded: boolean }>(
      `select rubric_version, superseded from "${h.schema}".pairs where source = 'comparison' order by rubric_version`,
    );
    assert.deepEqual(r.rows, [
      { rubric_version: "support-v1", superseded: true },
      { rubric_version: "support-v2", superseded: false },
    ]);
  });

  // Under v2 the held task goes through, with the v2 checklist.
  const v2names = v2.criteria.map((c) => c.name);
  const again = await grpc.nextTask({}, auth(e2));
  assert.equal(again.task?.rubricVersion, "support-v2");
  const ok = await grpc.submitJudgment({ taskId: again.task?.taskId ?? "", choice: ReviewChoice.A, rubricVersion: "support-v2", criteria: checks(v2names, true, false) }, auth(e2));
  assert.equal(ok.judgment?.superseded, false);

  // Overlap: tasks needing two experts stay open after one judgment.
  const req = await h.pool.query<{ judgments_required: number; n: number }>(`select judgments_required, count(*)::int n from "${h.schema}".review_tasks group by 1 order by 1`);
  assert.ok(req.rows.some((r) => r.judgments_required === 2), `some tasks need two experts: ${JSON.stringify(req.rows)}`);
});

test("gold items and the weekly audit flag a careless expert, and snapshots down-weight them", async () => {
  const t = h.tenantId;
  const n = 8;
  await h.publishInteractions(
    Array.from({ length: n }, (_, i) => [
      interaction(t, `gold${i}-good`, `gold question ${i}`, `the right answer ${i}`, { at: T0 + 100 + i }),
      interaction(t, `gold${i}-bad`, `gold question ${i}`, `the wrong answer ${i}`, { at: T0 + 100 + i }),
    ]).flat(),
  );
  await h.eventually(async () => {
    const r = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".answers where interaction_id like 'gold%'`);
    assert.equal(r.rows[0]?.n, 2 * n);
  });
  for (let i = 0; i < n; i++) {
    const res = await h.http("POST", "/v1/review/gold", h.leadKey, { interactionA: `gold${i}-good`, interactionB: `gold${i}-bad`, gold: "a" });
    assert.equal(res.status, 201, res.text);
  }
  const names = ["followed_refund_policy", "asked_one_clarifying_question", "approved_tone", "cited_policy"];
  // The sloppy expert goes first, so some regular (non-gold) tasks become their pairs.
  const experts = { sloppy: await h.rater("sloppy"), careful1: await h.rater("careful-1"), careful2: await h.rater("careful-2") };
  // Everyone judges every gold item (they are served once to each expert).
  for (const [who, key] of Object.entries(experts)) {
    let served = 0;
    for (;;) {
      const next = await grpc.nextTask({}, auth(key));
      if (!next.task) break;
      const isGold = next.task.answerA.startsWith("the right") || next.task.answerA.startsWith("the wrong");
      // The sloppy expert always picks B; the careful ones pick the right answer.
      const right = next.task.answerA.startsWith("the right") ? ReviewChoice.A : ReviewChoice.B;
      const choice = who === "sloppy" ? ReviewChoice.B : isGold ? right : ReviewChoice.A;
      await grpc.submitJudgment({ taskId: next.task.taskId, choice, rubricVersion: "support-v2", criteria: checks(names, choice === ReviewChoice.A, choice === ReviewChoice.B) }, auth(key));
      if (++served > 40) assert.fail("too many tasks");
    }
  }
  const audit = await h.http("POST", "/v1/audits", h.leadKey, {});
  assert.equal(audit.status, 201, audit.text);
  const report = (audit.body as { report: { raters: { raterId: string; flagged: boolean; goldAccuracy: number }[]; alpha: number; goldItems: number } }).report;
  const by = new Map(report.raters.map((r) => [r.raterId, r]));
  assert.equal(by.get("sloppy")?.flagged, true);
  assert.equal(by.get("sloppy")?.goldAccuracy, 0);
  assert.equal(by.get("careful-1")?.flagged, false);
  assert.equal(by.get("careful-1")?.goldAccuracy, 1);
  assert.ok(report.alpha < 0.5, `alpha ${report.alpha}`);
  assert.match(await h.metrics.render(), new RegExp(`rlhf_labeling_raters_flagged\\{[^}]*tenant="${h.tenantId}"[^}]*\\} 1`));

  // HTTP errors name the field and the reason.
  const bad = await h.http("POST", "/v1/review/judgments", experts.careful1, { taskId: "t", choice: "maybe", rubricVersion: "support-v2", criteria: [] });
  assert.equal(bad.status, 400);
  assert.deepEqual((bad.body["error"] as { fields: { path: string }[] }).fields.map((f) => f.path), ["choice"]);
  const noKey = await h.http("GET", "/v1/review/next", undefined);
  assert.equal(noKey.status, 401);
  const notLead = await h.http("POST", "/v1/rubrics", experts.careful1, { version: "x", title: "x", criteria: [{ name: "a", description: "a" }] });
  assert.equal(notLead.status, 403);

  // The sloppy expert's pairs count less in the next snapshot.
  const snap = await h.http("POST", "/v1/datasets", h.leadKey, { name: "reviewed", sources: ["expert_review"], policy: { raterCapPerWindow: 0, heavyShareMax: 1, applyRaterAudit: true } });
  assert.equal(snap.status, 201, snap.text);
  const raters = ((snap.body["manifest"] as Record<string, unknown>)["byRater"] as { key: string; shareBefore: number; shareAfter: number }[]).filter((r) => r.key === "sloppy");
  assert.equal(raters.length, 1);
  assert.ok((raters[0]?.shareAfter ?? 1) < (raters[0]?.shareBefore ?? 0), JSON.stringify(raters));
});

test("the review queue oversamples failures at the configured rates and records the weights", async () => {
  const s = await startHarness(); // default rates: base 0.02, escalation 0.5
  try {
    // A fixed tenant makes the candidate keys, and so the seeded draws, the same on every run.
    const t = "sampling-fixed";
    const groups = 300;
    await s.publishInteractions(
      Array.from({ length: groups }, (_, g) => [interaction(t, `q${g}-a`, `prompt ${g}`, `answer a ${g}`, { at: T0 }), interaction(t, `q${g}-b`, `prompt ${g}`, `answer b ${g}`, { at: T0 + 1 })]).flat(),
    );
    await s.eventually(async () => {
      const r = await s.pool.query<{ n: number }>(`select count(*)::int n from "${s.schema}".review_candidates`);
      assert.equal(r.rows[0]?.n, groups);
    }, 60_000);
    // Half the groups then see an escalation on one answer.
    await s.publishFeedback(Array.from({ length: groups / 2 }, (_, g) => outcome(t, `q${g}-a`, OutcomeKind.ESCALATION, { at: T0 + 3_600_000, id: `esc-${g}` })));
    await s.eventually(async () => {
      const r = await s.pool.query<{ n: number }>(`select count(*)::int n from "${s.schema}".feedback where status <> 'pending'`);
      assert.equal(r.rows[0]?.n, groups / 2);
    }, 60_000);
    const rows = await s.pool.query<{ stratum: string; n: number; p: number; w: number }>(
      `select stratum, count(*)::int n, min(inclusion_probability) p, min(sampling_weight) w from "${s.schema}".review_tasks group by stratum order by stratum`,
    );
    const by = new Map(rows.rows.map((r) => [r.stratum, r]));
    const esc = by.get("escalation");
    assert.ok(esc && esc.n >= 50 && esc.n <= 100, `escalation tasks ${esc?.n} of 150 at p~0.51`);
    assert.ok(Math.abs((esc?.p ?? 0) - (1 - 0.98 * 0.5)) < 1e-9, "the pair was also considered as base first: 1 - (1-0.02)(1-0.5)");
    assert.ok(Math.abs((esc?.w ?? 0) - 1 / (1 - 0.98 * 0.5)) < 1e-9);
    const base = by.get("base");
    assert.ok((base?.n ?? 0) <= 12, `base tasks ${base?.n} of 300 at p=0.02`);
    if (base) assert.equal(base.w, 50);
    console.log(`review queue: ${esc?.n} escalation tasks of ${groups / 2} (weight ${esc?.w.toFixed(3)}), ${base?.n ?? 0} base tasks of ${groups} (weight 50)`);
  } finally {
    await s.close();
  }
});
