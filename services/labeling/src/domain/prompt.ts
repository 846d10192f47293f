import type { Answer, PromptMessage } from "./model.js";
import { sha256Hex } from "./hash.js";

/**
 * The same normalization ingestion applies before hashing a prompt (NFC, line endings, runs of
 * spaces, trimmed lines, collapsed blank lines). Labeling uses ingestion's prompt_hash when the
 * interaction carries one and computes this only when it is missing; it must not import
 * ingestion, so the rule is restated here and pinned by a test against a known hash.
 */
export function normalizePromptText(text: string): string {
  return text
    .normalize("NFC")
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const ROLE_NAME: Record<PromptMessage["role"], string> = { system: "SYSTEM", user: "USER", assistant: "ASSISTANT", tool: "TOOL" };

export function promptHash(prompt: readonly PromptMessage[]): string {
  return sha256Hex(prompt.map((m) => `${ROLE_NAME[m.role]}:${normalizePromptText(m.content)}`).join("\u001e"));
}

/** Answers that differ only in whitespace count as the same answer. */
export function answerHash(answer: string): string {
  return sha256Hex(answer.replace(/\s+/g, " ").trim());
}

/** What the group of a new answer is decided from. */
export interface GroupLookup {
  /** Group of an earlier answer of the same conversation turn, if one is known. */
  turnGroup?: string | undefined;
  /** Group of the answer this one was regenerated from, if known. */
  originGroup?: string | undefined;
}

/**
 * Answers to the same prompt share a group: the same conversation turn (a regenerated answer,
 * even if the product logged a slightly different prompt), else the answer it was regenerated
 * from, else the normalized prompt text. Thumbs are only ever paired inside one group.
 */
export function groupKeyFor(a: Pick<Answer, "tenantId" | "promptHash">, lookup: GroupLookup): string {
  return lookup.turnGroup ?? lookup.originGroup ?? `p:${a.promptHash}`;
}

export function turnKey(a: Pick<Answer, "tenantId" | "conversationId" | "turnIndex">): string | undefined {
  return a.conversationId === "" ? undefined : `${a.tenantId}\u001f${a.conversationId}\u001f${a.turnIndex}`;
}
