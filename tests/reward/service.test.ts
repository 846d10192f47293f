/**
 * The reward service on the real broker and Postgres: an announced snapshot is trained, diagnosed,
 * registered, approved and served; gRPC Score/ScoreBatch/Compare/GetModel and the OpenRLHF HTTP
 * endpoint answer with the model id; errors carry gRPC codes; a second snapshot hot-swaps the
 * served model while calls keep succeeding; thumbs on the feedback topic land in the pointwise tables.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { AppError, createGrpcClient, type GrpcClient } from "@rlhf-loop/kit";
import { DatasetAnnouncementSchema, FeedbackSchema, InteractionSchema, Reward, RewardModelAnnouncementSchema, RewardModelStatus, ThumbDirection } from "@rlhf-loop/proto";
import { DEFAULT_THRESHOLDS, runRewardTrain, syntheticPairs } from "@rlhf-loop/reward";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_REWARD_CONFIG } from "@rlhf-loop/ml";
import { stackEnv, startHarness, toDatasetPairs, type Harness } from "./harness.js";

const env = stackEnv();
const FIXTURE = process.env["HF_REWARD_FIXTURE"] ?? "/work/shared/fixtures/hf-bert-reward";
const small = {
  model: { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 4096 }, embedDim: 16, hidden: 16 },
  maxEpochs: 4,
  batchPairs: 32,
  lr: 0.02,
  threads: 1,
};
// Mean pooling dilutes a padded answer's words (reported, see README); the approval test is about
// the flow, so the twin-margin limit is relaxed here and the length-biased snapshot must still fail.
const thresholds = { ...DEFAULT_THRESHOLDS, maxLengthMargin: 5 };

describe("reward service (Kafka + Postgres)", { skip: env ? false : "KAFKA_BROKERS / DATABASE_URL not set (bash infra/stack.sh up)" }, () => {
  let h: Harness;
  let client: GrpcClient<typeof Reward>;

  before(async () => {
    h = await startHarness(env!, { trainer: small, thresholds, byoModelDirs: existsSync(FIXTURE) ? [FIXTURE] : [] });
    client = createGrpcClient(Reward, h.grpcAddress);
  });
  after(async () => {
    client?.close();
    await h?.close();
  });

  async function announce(datasetId: string): Promise<void> {
    await h.bus.publish(h.topics.datasets, DatasetAnnouncementSchema, [
      { key: datasetId, message: create(DatasetAnnouncementSchema, { manifest: { datasetId, tenantId: "", name: datasetId.split("@")[0]!, version: 1, evidenceTo: timestampNow() } }) },
    ]);
  }

  it("before any model: Score is FAILED_PRECONDITION, unknown ids NOT_FOUND", async () => {
    await assert.rejects(client.score({ prompt: "q", answer: "a" }, h.call()), (e: unknown) => e instanceof AppError && e.code === "failed_precondition");
    await assert.rejects(client.score({ modelId: "rm-nope", prompt: "q", answer: "a" }, h.call()), (e: unknown) => e instanceof AppError && e.code === "not_found");
    await assert.rejects(client.getModel({ modelId: "rm-nope" }, h.call()), (e: unknown) => e instanceof AppError && e.code === "not_found");
  });

  let first = "";
  it("trains an announced snapshot automatically, registers, approves, announces and serves it", async () => {
    h.snapshots.set("good@1", toDatasetPairs(syntheticPairs(500, { seed: 21 })));
    await announce("good@1");
    const run = await h.eventually(async () => {
      const r = await h.service.runs.get("good@1");
      assert.ok(r && (r.status === "done" || r.status === "failed"), `run ${r?.status}`);
      return r;
    }, 60_000);
    assert.equal(run.status, "done", run.error ?? "");
    first = run.modelId!;
    const m = await h.service.registry.get(first);
    assert.equal(m?.status, "approved");
    assert.equal(h.service.serving.servingModelId, first);
    const got = await client.getModel({}, h.call());
    assert.equal(got.model?.modelId, first);
    assert.equal(got.model?.status, RewardModelStatus.APPROVED);
    assert.ok(got.model!.heldOutAccuracy > 0.9, `held-out accuracy ${got.model!.heldOutAccuracy}`);
    assert.ok(got.model!.heldOutAccuracyLo <= got.model!.heldOutAccuracy && got.model!.heldOutAccuracyHi >= got.model!.heldOutAccuracy);
    assert.ok(got.model!.checks.length >= 7);
    // Announced on rlhf.reward-models.v1 (the test's own topic).
    const consumer = h.kafka.consumer({ groupId: `reward-test-reader-${h.suffix}` });
    await consumer.connect();
    await consumer.subscribe({ topic: h.topics.rewardModels, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { fromBinary } = await import("@bufbuild/protobuf");
        const a = fromBinary(RewardModelAnnouncementSchema, message.value!);
        seen.push(`${a.model?.modelId}:${a.model?.status}`);
      },
    });
    await h.eventually(async () => assert.ok(seen.includes(`${first}:${RewardModelStatus.APPROVED}`), seen.join(",")), 20_000);
    await consumer.disconnect();
    const metrics = await h.service.http.inject({ method: "GET", url: "/metrics" });
    assert.match(metrics.body, new RegExp(`rlhf_reward_heldout_accuracy\\{[^}]*model_id="${first}"`));
  });

  it("Score, ScoreBatch, Compare and HTTP /get_reward agree and name the model", async () => {
    const prompt = "question 3 about my refund";
    const good = "approved refund per our policy the details";
    const bad = "no idea refund whatever";
    const s1 = await client.score({ prompt, answer: good }, h.call());
    const s2 = await client.score({ prompt, answer: bad }, h.call());
    assert.equal(s1.modelId, first);
    assert.ok(s1.score > s2.score, `${s1.score} vs ${s2.score}`);
    const b = await client.scoreBatch({ items: [{ prompt, answer: good }, { prompt, answer: bad }] }, h.call());
    assert.deepEqual(b.scores, [s1.score, s2.score]);
    const c = await client.compare({ prompt, answerA: good, answerB: bad }, h.call());
    assert.ok(Math.abs(c.pABeatsB - 1 / (1 + Math.exp(-(s1.score - s2.score)))) < 1e-12);
    const res = await fetch(`${h.baseUrl}/get_reward`, { method: "POST", headers: h.headers(), body: JSON.stringify({ query: [prompt + good], prompts: [prompt] }) });
    const body = (await res.json()) as { rewards: number[]; model_id: string };
    assert.equal(res.status, 200);
    assert.equal(body.model_id, first);
    assert.ok(Math.abs(body.rewards[0]! - s1.score) < 1e-9);
    const badReq = await fetch(`${h.baseUrl}/get_reward`, { method: "POST", headers: h.headers(), body: JSON.stringify({ query: [""] }) });
    assert.equal(badReq.status, 400);
  });

  it("rejects empty and oversized texts with INVALID_ARGUMENT and field paths", async () => {
    await assert.rejects(client.score({ prompt: "q", answer: "  " }, h.call()), (e: unknown) => e instanceof AppError && e.code === "invalid_argument" && e.fields.some((f) => f.path === "answer"));
    const long = "x".repeat(h.service.options.limits.maxTextChars + 1);
    await assert.rejects(client.scoreBatch({ items: [{ prompt: "q", answer: "ok" }, { prompt: "q", answer: long }] }, h.call()), (e: unknown) => e instanceof AppError && e.code === "invalid_argument" && e.fields.some((f) => f.path === "items[1].answer"));
    await assert.rejects(client.scoreBatch({ items: [] }, h.call()), (e: unknown) => e instanceof AppError && e.code === "invalid_argument");
  });

  it("rlhf reward train --dataset reads the snapshot over gRPC and prints accuracy next to the length rule", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reward-cli-ds-"));
    try {
      let out = "";
      const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
      const r = await runRewardTrain(["--dataset", "good@1", "--labeling", h.labelingAddress, "--out", dir, "--epochs", "2", "--quiet"], io);
      assert.equal(r.exitCode, 0);
      assert.equal(r.result!.result.split.trainPairs + r.result!.result.split.heldOutPairs, 500);
      assert.match(out, /held-out accuracy .* length-only rule/);
      const missing = await runRewardTrain(["--dataset", "nope@1", "--labeling", h.labelingAddress, "--out", dir], { stdout: { write: () => true }, stderr: { write: () => true } });
      assert.equal(missing.exitCode, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a length-biased snapshot is flagged and cannot be approved", async () => {
    h.snapshots.set("biased@1", toDatasetPairs(syntheticPairs(500, { seed: 22, lengthBiased: true })));
    await announce("biased@1");
    const run = await h.eventually(async () => {
      const r = await h.service.runs.get("biased@1");
      assert.ok(r && (r.status === "done" || r.status === "failed"));
      return r;
    }, 60_000);
    const m = await h.service.registry.get(run.modelId!);
    assert.equal(m?.status, "candidate");
    assert.equal(m?.diagnosticsPassed, false);
    await assert.rejects(h.service.registrar.approve(run.modelId!), (e: unknown) => e instanceof AppError && e.code === "failed_precondition");
    assert.equal(h.service.serving.servingModelId, first);
    // A candidate can still be scored by id.
    const s = await client.score({ modelId: run.modelId!, prompt: "q", answer: "a longer answer with many words in it" }, h.call());
    assert.equal(s.modelId, run.modelId);
  });

  it("hot-swaps to a newly approved model without failing a call", async () => {
    h.snapshots.set("good@2", toDatasetPairs(syntheticPairs(500, { seed: 23 })));
    let stop = false;
    const ids = new Set<string>();
    let calls = 0;
    const load = (async () => {
      while (!stop) {
        const r = await client.score({ prompt: "question 1 about my order", answer: "approved order the details" }, h.call());
        ids.add(r.modelId);
        calls++;
      }
    })();
    let run;
    try {
      await announce("good@2");
      run = await h.eventually(async () => {
        const r = await h.service.runs.get("good@2");
        assert.ok(r && r.status === "done", r?.error ?? r?.status ?? "not queued yet");
        return r;
      }, 60_000);
      await h.eventually(async () => assert.ok(ids.has(run!.modelId!)), 10_000);
    } finally {
      stop = true;
      await load; // any failed call would have rejected here
    }
    assert.ok(ids.has(first) && ids.has(run.modelId!), [...ids].join(","));
    assert.ok(calls > 10);
    assert.equal((await h.service.registry.get(first))?.status, "retired");
  });

  it("consumes interactions and thumbs into its own pointwise tables", async () => {
    const id = `i-${h.suffix}`;
    await h.bus.publish(h.topics.interactions, InteractionSchema, [
      { key: id, message: create(InteractionSchema, { interactionId: id, tenantId: "t1", prompt: [{ role: 2, content: "where is my parcel" }], answer: "it ships today", occurredAt: timestampNow() }) },
    ]);
    await h.bus.publish(h.topics.feedback, FeedbackSchema, [
      { key: id, message: create(FeedbackSchema, { feedbackId: `f-${h.suffix}`, tenantId: "t1", interactionId: id, source: 1, occurredAt: timestampNow(), kind: { case: "thumb", value: { direction: ThumbDirection.DOWN } } }) },
    ]);
    await h.eventually(async () => {
      const r = await h.pool.query<{ label: number; source: string; answer: string }>(
        `select l.label, l.source, i.answer from "${h.schema}".answer_labels l join "${h.schema}".interactions i using (interaction_id) where interaction_id = $1`,
        [id],
      );
      assert.deepEqual(r.rows, [{ label: 0, source: "thumbs", answer: "it ships today" }]);
    }, 30_000);
  });

  it("serves a brought HF model by id (fixture scores within 1e-4), approves it only when forced", async (t) => {
    if (!existsSync(FIXTURE)) return t.skip(`fixture ${FIXTURE} absent`);
    const expected = JSON.parse(readFileSync(`${FIXTURE}/expected.json`, "utf8")) as { cases: { prompt: string; response: string; score: number }[] };
    const byo = (await h.service.registry.list()).find((m) => m.kind === "hf");
    assert.ok(byo, "the brought model was registered at start");
    const b = await client.scoreBatch({ modelId: byo.modelId, items: expected.cases.map((c) => ({ prompt: c.prompt, answer: c.response })) }, h.call());
    b.scores.forEach((s, i) => assert.ok(Math.abs(s - expected.cases[i]!.score) < 1e-4, `case ${i}: ${s} vs ${expected.cases[i]!.score}`));
    const refused = await fetch(`${h.baseUrl}/v1/models/${byo.modelId}/approve`, { method: "POST", headers: h.headers(), body: "{}" });
    assert.equal(refused.status, 412); // FAILED_PRECONDITION
    const forced = await fetch(`${h.baseUrl}/v1/models/${byo.modelId}/approve`, { method: "POST", headers: h.headers(), body: JSON.stringify({ force: true }) });
    assert.equal(forced.status, 200, await forced.text());
    const s = await client.score({ prompt: expected.cases[0]!.prompt, answer: expected.cases[0]!.response }, h.call());
    assert.equal(s.modelId, byo.modelId);
    assert.ok(Math.abs(s.score - expected.cases[0]!.score) < 1e-4);
  });
});
