// Generate / GenerateBatch on a small real policy (fitted here, sampled in onnxruntime-node).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import { AppError, createMetrics, type CallContext } from "@rlhf-loop/kit";
import { GenerateBatchRequestSchema, GenerateRequestSchema } from "@rlhf-loop/proto";
import { rlMetrics } from "../metrics.js";
import { PolicyRuntime } from "../train/policy.js";
import { fitReference } from "../train/reference.js";
import { generationImpl } from "./grpc.js";

const words = ["refund", "order", "sent", "today", "sorry", "help", "link", "reset", "email", "soon"];
const rows = Array.from({ length: 120 }, (_, i) => ({ prompt: `question ${i % 9}`, answer: `${words[i % 10]} ${words[(i * 3) % 10]} ${words[(i * 7) % 10]} .` }));
const shape = { window: 2, prompt: { buckets: 64, bigrams: false, maxFeatures: 8, seed: 0 }, promptDim: 8, tokenDim: 8, hidden: 16 };

let rt: PolicyRuntime;
let asked: { policyVersion: string; tenantId: string }[] = [];
let impl: ReturnType<typeof generationImpl>;

function ctx(signal = new AbortController().signal): CallContext {
  return { method: "/rlhf.v1.Policy/GenerateBatch", metadata: new Metadata(), header: () => undefined, peer: "test", signal, setTrailer: () => undefined };
}

const batch = (init: { prompts: string[]; samplesPerPrompt?: number; seed?: number; temperature?: number; tenantId?: string; policyVersion?: string; minTokens?: number }) => impl.generateBatch(create(GenerateBatchRequestSchema, { maxTokens: 6, ...init }), ctx());

before(async () => {
  const ref = await fitReference(rows, { seed: 1, shape, epochs: 3, batchAnswers: 32, lr: 0.03, threads: 1 });
  rt = await PolicyRuntime.create(ref.config, ref.codec, ref.params, { threads: 1 });
  impl = generationImpl({
    cache: {
      get: async (req) => {
        asked.push({ policyVersion: req.policyVersion, tenantId: req.tenantId });
        return { version: req.policyVersion || `served-for-${req.tenantId || "latest"}`, rt };
      },
    },
    metrics: rlMetrics(createMetrics({ service: "rl-trainer-unit", defaultMetrics: false })),
    maxTokens: 6,
  });
});

after(async () => {
  await rt.release();
});

test("GenerateBatch answers prompts x samples, prompt-major, and names the resolved version", async () => {
  asked = [];
  const res = await batch({ prompts: ["question 1", "question 2", "question 3"], samplesPerPrompt: 4, seed: 9, tenantId: "t1" });
  assert.equal(res.policyVersion, "served-for-t1");
  assert.deepEqual(asked, [{ policyVersion: "", tenantId: "t1" }]);
  const answers = res.answers ?? [];
  assert.equal(answers.length, 12);
  assert.deepEqual(answers.map((a) => [a.promptIndex, a.sampleIndex]), [0, 1, 2].flatMap((p) => [0, 1, 2, 3].map((s) => [p, s])));
  for (const a of answers) assert.ok(a.tokens! > 0 && a.logProb! < 0);
  // Samples of one prompt differ (a sampled policy, not argmax).
  assert.ok(new Set(answers.slice(0, 4).map((a) => a.answer)).size > 1);
});

test("GenerateBatch is deterministic for a seed (across sampling chunks); another seed gives other answers; one row equals Generate", async () => {
  // 150 prompts x 4 = 600 rows: two sampling chunks.
  const prompts = Array.from({ length: 150 }, (_, i) => `question ${i % 9}`);
  const a = await batch({ prompts, samplesPerPrompt: 4, seed: 3 });
  const b = await batch({ prompts, samplesPerPrompt: 4, seed: 3 });
  const c = await batch({ prompts, samplesPerPrompt: 4, seed: 4 });
  assert.equal(a.answers!.length, 600);
  assert.deepEqual(b.answers, a.answers);
  assert.notDeepEqual(c.answers!.map((x) => x.answer), a.answers!.map((x) => x.answer));
  const one = await batch({ prompts: ["question 5"], seed: 21, policyVersion: "v@1" });
  const g = await impl.generate(create(GenerateRequestSchema, { prompt: "question 5", seed: 21, maxTokens: 6, policyVersion: "v@1" }), ctx());
  assert.equal(one.policyVersion, "v@1");
  assert.equal(one.answers![0]!.answer, g.answer);
  assert.equal(one.answers![0]!.logProb, g.logProb);
});

test("min_tokens: no answer ends before that many tokens, in GenerateBatch and Generate", async () => {
  const prompts = Array.from({ length: 20 }, (_, i) => `question ${i % 9}`);
  const free = await batch({ prompts, samplesPerPrompt: 4, seed: 5 });
  assert.ok(free.answers!.some((a) => a.tokens! < 6), "without min_tokens some answers end before max_tokens (6)");
  const held = await batch({ prompts, samplesPerPrompt: 4, seed: 5, minTokens: 6 });
  assert.deepEqual(new Set(held.answers!.map((a) => a.tokens)), new Set([6]));
  const g = await impl.generate(create(GenerateRequestSchema, { prompt: "question 2", seed: 1, maxTokens: 3, minTokens: 3 }), ctx());
  assert.equal(g.tokens, 3);
  await assert.rejects(impl.generate(create(GenerateRequestSchema, { prompt: "question 2", maxTokens: 3, minTokens: 4 }), ctx()), (err: unknown) => {
    assert.ok(err instanceof AppError && err.code === "invalid_argument");
    assert.deepEqual(err.fields, [{ path: "min_tokens", reason: "must be at most max_tokens (3)" }]);
    return true;
  });
});

test("bad GenerateBatch and Generate requests name their fields before any policy is loaded", async () => {
  asked = [];
  await assert.rejects(batch({ prompts: ["ok", ""], samplesPerPrompt: 17, temperature: 9 }), (err: unknown) => {
    assert.ok(err instanceof AppError && err.code === "invalid_argument");
    assert.deepEqual(err.fields.map((f) => f.path).sort(), ["prompts[1]", "samples_per_prompt", "temperature"]);
    return true;
  });
  await assert.rejects(impl.generate(create(GenerateRequestSchema, { prompt: " ", maxTokens: 5000 }), ctx()), (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.deepEqual(err.fields.map((f) => f.path), ["prompt", "max_tokens"]);
    return true;
  });
  assert.deepEqual(asked, []);
});

test("a cancelled GenerateBatch stops", async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(impl.generateBatch(create(GenerateBatchRequestSchema, { prompts: ["question 1"] }), ctx(ac.signal)), /cancelled/);
});
