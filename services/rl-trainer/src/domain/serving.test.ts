import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "@rlhf-loop/kit";
import { MAX_BATCH_PROMPTS, planBatch, policyChoice, promotionOf, resolveCheckpoint, type PolicyLookup, type ServedPolicy } from "./serving.js";

function fieldsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, "invalid_argument");
    return err.fields.map((x) => x.path).sort();
  }
  assert.fail("should throw");
}

async function codeOf(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return [err.code, err.message];
  }
  assert.fail("should reject");
}

/** A lookup over plain maps, the shape RlStore answers with. */
function lookup(checkpoints: string[], latest: string | undefined, served: Record<string, string>): PolicyLookup<{ policyVersion: string }> {
  return {
    checkpoint: async (v) => (checkpoints.includes(v) ? { policyVersion: v } : undefined),
    latestFinal: async () => (latest ? { policyVersion: latest } : undefined),
    servedPolicy: async (t): Promise<ServedPolicy | undefined> => (served[t] ? { tenantId: t, policyVersion: served[t], reportId: `rep-${t}`, promotedAt: new Date(0) } : undefined),
  };
}

test("an explicit version wins; an empty version with a tenant takes the tenant's promoted policy; neither takes the latest final", async () => {
  assert.deepEqual(policyChoice({ policyVersion: "run@4", tenantId: "t1" }), { kind: "version", version: "run@4" });
  assert.deepEqual(policyChoice({ policyVersion: "", tenantId: "t1" }), { kind: "served", tenantId: "t1" });
  assert.deepEqual(policyChoice({ policyVersion: "", tenantId: "" }), { kind: "latest" });

  const l = lookup(["a@2", "a@4", "b@4"], "b@4", { t1: "a@2", t3: "gone@9" });
  assert.equal((await resolveCheckpoint(l, policyChoice({ policyVersion: "a@4", tenantId: "t1" }))).policyVersion, "a@4");
  assert.equal((await resolveCheckpoint(l, policyChoice({ policyVersion: "", tenantId: "t1" }))).policyVersion, "a@2");
  assert.equal((await resolveCheckpoint(l, policyChoice({ policyVersion: "", tenantId: "" }))).policyVersion, "b@4");

  // A tenant without a promotion does not silently get another tenant's newest checkpoint.
  assert.deepEqual(await codeOf(resolveCheckpoint(l, policyChoice({ policyVersion: "", tenantId: "t2" }))), ["failed_precondition", "no policy has been promoted for tenant t2"]);
  const [code, msg] = await codeOf(resolveCheckpoint(l, policyChoice({ policyVersion: "", tenantId: "t3" })));
  assert.equal(code, "failed_precondition");
  assert.match(msg, /gone@9 promoted for tenant t3 .* not stored/);
  assert.deepEqual(await codeOf(resolveCheckpoint(l, { kind: "version", version: "nope@1" })), ["not_found", "policy version nope@1 not found"]);
  assert.deepEqual(await codeOf(resolveCheckpoint(lookup([], undefined, {}), { kind: "latest" })), ["failed_precondition", "no policy has been trained yet"]);
});

test("planBatch: prompts x samples rows, prompt-major, samples default 1", () => {
  const p = planBatch({ prompts: ["a", "b", "c"], samplesPerPrompt: 2, temperature: 0, maxTokens: 0, minTokens: 0 });
  assert.equal(p.samples, 2);
  assert.deepEqual(p.rows.map((r) => [r.prompt, r.promptIndex, r.sampleIndex]), [["a", 0, 0], ["a", 0, 1], ["b", 1, 0], ["b", 1, 1], ["c", 2, 0], ["c", 2, 1]]);
  const one = planBatch({ prompts: ["a", "a"], samplesPerPrompt: 0, temperature: 1, maxTokens: 10, minTokens: 0 });
  assert.equal(one.samples, 1);
  assert.deepEqual(one.rows.map((r) => [r.promptIndex, r.sampleIndex]), [[0, 0], [1, 0]]);
  assert.equal(planBatch({ prompts: ["x"], samplesPerPrompt: 16, temperature: 5, maxTokens: 1000, minTokens: 0 }).rows.length, 16);
});

test("planBatch names every bad field", () => {
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: [], samplesPerPrompt: 1, temperature: 0, maxTokens: 0, minTokens: 0 })), ["prompts"]);
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: ["ok", " ", ""], samplesPerPrompt: 17, temperature: -1, maxTokens: 1001, minTokens: 0 })), ["max_tokens", "prompts[1]", "prompts[2]", "samples_per_prompt", "temperature"]);
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: ["ok"], samplesPerPrompt: -1, temperature: Number.NaN, maxTokens: -1, minTokens: 0 })), ["max_tokens", "samples_per_prompt", "temperature"]);
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: Array.from({ length: MAX_BATCH_PROMPTS + 1 }, () => "p"), samplesPerPrompt: 1, temperature: 0, maxTokens: 0, minTokens: 0 })), ["prompts"]);
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: ["ok"], samplesPerPrompt: 1, temperature: 0, maxTokens: 10, minTokens: 11 })), ["min_tokens"], "min_tokens above max_tokens");
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: ["ok"], samplesPerPrompt: 1, temperature: 0, maxTokens: 0, minTokens: -1 })), ["min_tokens"]);
  assert.deepEqual(fieldsOf(() => planBatch({ prompts: ["ok"], samplesPerPrompt: 1, temperature: 0, maxTokens: 0, minTokens: 1001 })), ["min_tokens"]);
  assert.equal(planBatch({ prompts: ["ok"], samplesPerPrompt: 1, temperature: 0, maxTokens: 0, minTokens: 50 }).rows.length, 1, "with the default max_tokens");
  // Thousands of blank prompts name the first ten and a count, not thousands of fields.
  const blank = fieldsOf(() => planBatch({ prompts: Array.from({ length: 50 }, () => ""), samplesPerPrompt: 1, temperature: 0, maxTokens: 0, minTokens: 0 }));
  assert.equal(blank.length, 11);
  assert.ok(blank.includes("prompts[9]") && !blank.includes("prompts[10]"));
});

test("only a complete PROMOTE report becomes a served policy", () => {
  const at = new Date("2025-03-01T10:00:00Z");
  assert.deepEqual(promotionOf({ reportId: "r1", tenantId: "t1", candidateVersion: "run@4", promote: true, createdAt: at }), { tenantId: "t1", policyVersion: "run@4", reportId: "r1", promotedAt: at });
  assert.equal(promotionOf({ reportId: "r2", tenantId: "t1", candidateVersion: "run@4", promote: false, createdAt: at }), undefined);
  // HOLD / REJECT reports with missing fields are simply not promotions.
  assert.equal(promotionOf({ reportId: "", tenantId: "", candidateVersion: "", promote: false, createdAt: undefined }), undefined);
  assert.deepEqual(fieldsOf(() => promotionOf({ reportId: "r3", tenantId: "", candidateVersion: "", promote: true, createdAt: undefined })), ["report.candidate_version", "report.created_at", "report.tenant_id"]);
  try {
    promotionOf({ reportId: "r3", tenantId: "t1", candidateVersion: "v", promote: true, createdAt: undefined });
  } catch (err) {
    assert.ok(err instanceof AppError && !err.retriable, "a bad promotion is dead-lettered, not retried");
  }
});
