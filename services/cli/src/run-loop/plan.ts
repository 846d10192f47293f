// What a feedback file can support, counted before anything starts: the loop's steps need
// different evidence (pairs for a reward model, logged answers for the stand-in policy, held-out
// conversations for the canary, dates for the weekly watch), and the run says which are missing.
import { isCanaryHoldout } from "@rlhf-loop/proto";
import type { FeedbackFile } from "./validate.js";

/**
 * rl-trainer refuses a run below 20 logged answers (run/executor.ts). Its reference fitting keeps
 * up to 128 of them as the guardrail's probe prompts, holds out a tenth for perplexity and keeps
 * only words seen twice (at most 2,000): under about 500 answers the word-level reference has
 * little vocabulary left, so an automatic run needs this many.
 */
export const MIN_RL_LOGGED = 500;
export const RL_TRAINER_FLOOR = 20;
/** Distinct held-out prompts below which a canary set says too little (1 in 20 conversations is held out). */
export const MIN_CANARY_TASKS = 30;
export const CANARY_SET_SIZE = 200;

export interface FilePlan {
  readonly interactions: number;
  readonly feedback: { thumb: number; rating: number; comparison: number; outcome: number };
  readonly expertRows: number;
  /** Rubric versions named by expert feedback, latest use last. */
  readonly rubricVersions: string[];
  /** Criteria names seen on comparisons, in first-seen order. */
  readonly criteria: string[];
  readonly reasonCoded: number;
  /** Events with an occurred_at, and without. */
  readonly dated: number;
  readonly undated: number;
  readonly firstAt?: Date;
  readonly lastAt?: Date;
  /** Answers the RL trainer would fit its reference on (not held out, not regenerations). */
  readonly loggedForRl: number;
  /** Interactions in held-out conversations, and their distinct prompts (canary tasks). */
  readonly heldOutChats: number;
  readonly heldOutPrompts: number;
  readonly conversationIds: number;
}

const userText = (prompt: readonly { role: string; content: string }[]) =>
  prompt.filter((m) => m.role === "user").map((m) => m.content.trim().toLowerCase().replace(/\s+/g, " ")).join("\n");

export function planFor(file: FeedbackFile, tenantId: string): FilePlan {
  const feedback = { thumb: 0, rating: 0, comparison: 0, outcome: 0 };
  let expertRows = 0;
  let reasonCoded = 0;
  let dated = 0;
  let undated = 0;
  let first = Infinity;
  let last = -Infinity;
  const rubricUse = new Map<string, number>();
  const criteria: string[] = [];
  const time = (d: Date | undefined) => {
    if (!d) {
      undated++;
      return;
    }
    dated++;
    first = Math.min(first, d.getTime());
    last = Math.max(last, d.getTime());
  };
  for (const s of file.signals) {
    feedback[s.kind]++;
    time(s.occurredAt);
    if (s.reasonCodes.length) reasonCoded++;
    if (s.source === "expert") {
      expertRows++;
      if (s.rubricVersion) rubricUse.set(s.rubricVersion, Math.max(rubricUse.get(s.rubricVersion) ?? -Infinity, s.occurredAt?.getTime() ?? s.line));
      if (s.kind === "comparison") for (const c of s.criteria) if (!criteria.includes(c.criterion)) criteria.push(c.criterion);
    }
  }
  let loggedForRl = 0;
  let heldOutChats = 0;
  const heldOutPrompts = new Set<string>();
  const conversations = new Set<string>();
  for (const i of file.interactions) {
    time(i.occurredAt);
    if (i.conversationId) conversations.add(i.conversationId);
    if (isCanaryHoldout(tenantId, i.conversationId, i.interactionId)) {
      heldOutChats++;
      heldOutPrompts.add(userText(i.prompt));
    } else if (!i.regeneratedFrom) loggedForRl++;
  }
  return {
    interactions: file.interactions.length,
    feedback,
    expertRows,
    rubricVersions: [...rubricUse.entries()].sort((a, b) => a[1] - b[1]).map(([v]) => v),
    criteria,
    reasonCoded,
    dated,
    undated,
    ...(Number.isFinite(first) ? { firstAt: new Date(first), lastAt: new Date(last) } : {}),
    loggedForRl,
    heldOutChats,
    heldOutPrompts: heldOutPrompts.size,
    conversationIds: conversations.size,
  };
}

export type RlChoice = "auto" | "on" | "off";

/** Whether RL runs, before the reward model is known: a reason when it cannot or should not. */
export function rlGate(plan: FilePlan, choice: RlChoice): { run: true; warning?: string } | { run: false; status: "skipped" | "not_possible"; reason: string } {
  if (choice === "off") return { run: false, status: "skipped", reason: "--no-rl" };
  const n = plan.loggedForRl;
  if (n < RL_TRAINER_FLOOR) return { run: false, status: "not_possible", reason: `the file has ${n} logged (prompt, answer) pairs outside the canary holdout; rl-trainer needs at least ${RL_TRAINER_FLOOR} to fit its reference policy` };
  if (n < MIN_RL_LOGGED) {
    if (choice === "on") return { run: true, warning: `only ${n} logged answers (${MIN_RL_LOGGED} recommended): the stand-in reference will know few words` };
    return { run: false, status: "not_possible", reason: `the file has ${n} logged (prompt, answer) pairs outside the canary holdout; fitting the compact reference policy needs at least ${MIN_RL_LOGGED} (pass --rl to try anyway with at least ${RL_TRAINER_FLOOR})` };
  }
  return { run: true };
}

/** Whether the canary can judge a candidate: held-out prompts to answer. */
export function canaryGate(plan: FilePlan): { ok: true; size: number } | { ok: false; reason: string } {
  if (plan.heldOutPrompts < MIN_CANARY_TASKS) {
    return {
      ok: false,
      reason: `${plan.heldOutPrompts} distinct prompts in held-out conversations (1 in 20 conversations is held out automatically: ${plan.heldOutChats} of ${plan.interactions} answers here); a canary set needs at least ${MIN_CANARY_TASKS}, so about ${MIN_CANARY_TASKS * 20} conversations`,
    };
  }
  return { ok: true, size: Math.min(CANARY_SET_SIZE, plan.heldOutPrompts) };
}
