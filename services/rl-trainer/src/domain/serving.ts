// Which policy answers a Generate / GenerateBatch call, what a batch request may ask for, and how
// canary promotions become a tenant's served policy. Pure: the store is reached through a narrow
// lookup interface.
import { AppError, type FieldViolation } from "@rlhf-loop/kit";

/** Prompts one GenerateBatch call may carry (prompts x samples answers are sampled together). */
export const MAX_BATCH_PROMPTS = 2_000;
export const MAX_SAMPLES_PER_PROMPT = 16;
export const MAX_TOKENS_LIMIT = 1_000;
export const MAX_TEMPERATURE = 5;

/**
 * explicit version: that checkpoint; empty version with a tenant: the tenant's served (promoted)
 * policy; neither: the newest final checkpoint (tests and debugging).
 */
export type PolicyChoice = { readonly kind: "version"; readonly version: string } | { readonly kind: "served"; readonly tenantId: string } | { readonly kind: "latest" };

export function policyChoice(req: { readonly policyVersion: string; readonly tenantId: string }): PolicyChoice {
  if (req.policyVersion) return { kind: "version", version: req.policyVersion };
  if (req.tenantId) return { kind: "served", tenantId: req.tenantId };
  return { kind: "latest" };
}

export interface ServedPolicy {
  readonly tenantId: string;
  readonly policyVersion: string;
  readonly reportId: string;
  readonly promotedAt: Date;
}

/** What resolution needs from the store. */
export interface PolicyLookup<C extends { readonly policyVersion: string }> {
  checkpoint(version: string): Promise<C | undefined>;
  latestFinal(): Promise<C | undefined>;
  servedPolicy(tenantId: string): Promise<ServedPolicy | undefined>;
}

/** The checkpoint a request resolves to, or the AppError that explains why there is none. */
export async function resolveCheckpoint<C extends { readonly policyVersion: string }>(lookup: PolicyLookup<C>, choice: PolicyChoice): Promise<C> {
  switch (choice.kind) {
    case "version": {
      const row = await lookup.checkpoint(choice.version);
      if (!row) throw new AppError("not_found", `policy version ${choice.version} not found`);
      return row;
    }
    case "served": {
      const served = await lookup.servedPolicy(choice.tenantId);
      if (!served) throw new AppError("failed_precondition", `no policy has been promoted for tenant ${choice.tenantId}`);
      const row = await lookup.checkpoint(served.policyVersion);
      if (!row) throw new AppError("failed_precondition", `policy ${served.policyVersion} promoted for tenant ${choice.tenantId} (report ${served.reportId}) is not stored here`);
      return row;
    }
    case "latest": {
      const row = await lookup.latestFinal();
      if (!row) throw new AppError("failed_precondition", "no policy has been trained yet");
      return row;
    }
  }
}

export interface SamplingInput {
  readonly temperature: number;
  readonly maxTokens: number;
  readonly minTokens: number;
}

/** Temperature, max_tokens and min_tokens as Generate and GenerateBatch accept them (0 = the defaults). */
export function samplingViolations(req: SamplingInput): FieldViolation[] {
  const bad: FieldViolation[] = [];
  if (!Number.isInteger(req.maxTokens) || req.maxTokens < 0 || req.maxTokens > MAX_TOKENS_LIMIT) bad.push({ path: "max_tokens", reason: `must be in 0..${MAX_TOKENS_LIMIT}` });
  if (!Number.isInteger(req.minTokens) || req.minTokens < 0 || req.minTokens > MAX_TOKENS_LIMIT) bad.push({ path: "min_tokens", reason: `must be in 0..${MAX_TOKENS_LIMIT}` });
  else if (req.maxTokens > 0 && req.minTokens > req.maxTokens) bad.push({ path: "min_tokens", reason: `must be at most max_tokens (${req.maxTokens})` });
  if (!Number.isFinite(req.temperature) || req.temperature < 0 || req.temperature > MAX_TEMPERATURE) bad.push({ path: "temperature", reason: `must be in 0..${MAX_TEMPERATURE}` });
  return bad;
}

export interface BatchInput extends SamplingInput {
  readonly prompts: readonly string[];
  readonly samplesPerPrompt: number;
}

export interface BatchPlan {
  readonly prompts: readonly string[];
  readonly samples: number;
  /** One row per answer, prompt-major: all samples of prompt 0, then prompt 1, ... */
  readonly rows: readonly { readonly prompt: string; readonly promptIndex: number; readonly sampleIndex: number }[];
}

/** Checks a GenerateBatch request, naming every bad field; returns its rows in answer order. */
export function planBatch(req: BatchInput): BatchPlan {
  const bad = samplingViolations(req);
  if (req.prompts.length === 0) bad.push({ path: "prompts", reason: "at least one prompt is required" });
  if (req.prompts.length > MAX_BATCH_PROMPTS) bad.push({ path: "prompts", reason: `at most ${MAX_BATCH_PROMPTS} prompts per call (got ${req.prompts.length}); split the batch` });
  const empty = req.prompts.flatMap((p, i) => (p.trim() ? [] : [i]));
  // A long list of blank prompts names the first few, not thousands of fields.
  for (const i of empty.slice(0, 10)) bad.push({ path: `prompts[${i}]`, reason: "must not be empty" });
  if (empty.length > 10) bad.push({ path: "prompts", reason: `${empty.length} prompts are empty` });
  if (!Number.isInteger(req.samplesPerPrompt) || req.samplesPerPrompt < 0 || req.samplesPerPrompt > MAX_SAMPLES_PER_PROMPT) {
    bad.push({ path: "samples_per_prompt", reason: `must be in 1..${MAX_SAMPLES_PER_PROMPT} (0: 1)` });
  }
  if (bad.length > 0) throw AppError.invalid(bad);
  const samples = req.samplesPerPrompt || 1;
  const rows = req.prompts.flatMap((prompt, promptIndex) => Array.from({ length: samples }, (_, sampleIndex) => ({ prompt, promptIndex, sampleIndex })));
  return { prompts: req.prompts, samples, rows };
}

/** Decoded canary report fields the promotion rule reads. */
export interface CanaryReportFacts {
  readonly reportId: string;
  readonly tenantId: string;
  readonly candidateVersion: string;
  readonly promote: boolean;
  readonly createdAt: Date | undefined;
}

/**
 * A PROMOTE report becomes the tenant's served policy; HOLD and REJECT change nothing (undefined).
 * The store applies it only when newer than the tenant's current one (RlStore.recordPromotion).
 * A PROMOTE that cannot be applied (no tenant, version or time) is a non-retriable error: its
 * record goes to the dead-letter topic.
 */
export function promotionOf(r: CanaryReportFacts): ServedPolicy | undefined {
  if (!r.promote) return undefined;
  const bad: FieldViolation[] = [];
  if (!r.tenantId) bad.push({ path: "report.tenant_id", reason: "required for a promotion" });
  if (!r.candidateVersion) bad.push({ path: "report.candidate_version", reason: "required for a promotion" });
  if (!r.createdAt || Number.isNaN(r.createdAt.getTime())) bad.push({ path: "report.created_at", reason: "required for a promotion (orders replayed reports)" });
  if (bad.length > 0) throw AppError.invalid(bad, `canary report ${r.reportId || "(no id)"} cannot be applied`);
  return { tenantId: r.tenantId, policyVersion: r.candidateVersion, reportId: r.reportId, promotedAt: r.createdAt! };
}
