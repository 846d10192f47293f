import type { ChatMessage } from "@rlhf-loop/proto";
import { Role } from "@rlhf-loop/proto";
import { sha256Hex } from "./hash.js";

/**
 * Normalizes one prompt message's text so trivially different copies of the same prompt
 * (line endings, trailing spaces, Unicode composition) group together for pairing:
 * NFC, CRLF/CR -> LF, runs of spaces/tabs -> one space, each line trimmed, blank-line runs
 * collapsed, whole text trimmed. Case and punctuation are kept: they can change the meaning.
 */
export function normalizePromptText(text: string): string {
  if (!NEEDS_NORMALIZING.test(text)) return text;
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

/**
 * Text the steps above leave as it is: printable ASCII and LF only (NFC is the identity there),
 * no double space, no space at a line's start or end, no run of three LFs, nothing to trim.
 * Most prompts are like that; they skip the allocations of the general path.
 */
const NEEDS_NORMALIZING = /[^\x20-\x7e\n]| {2}| \n|\n |\n{3}|^[ \n]|[ \n]$/;

/** `role:text` per message, separated by U+001E (record separator) which normalization never produces. */
export function normalizePrompt(prompt: readonly ChatMessage[]): string {
  return prompt.map((m) => `${Role[m.role] ?? String(m.role)}:${normalizePromptText(m.content)}`).join("\u001e");
}

/** Hex sha256 of the normalized prompt; the key of rlhf.pairs.v1. */
export function promptHash(prompt: readonly ChatMessage[]): string {
  return sha256Hex(normalizePrompt(prompt));
}
