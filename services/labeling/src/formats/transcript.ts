import type { PromptMessage } from "../domain/model.js";
import { LineError } from "./formats.js";

/**
 * Anthropic HH transcripts: "\n\nHuman: ...\n\nAssistant: ...". System and tool messages, which
 * HH does not have, are written as "System:" and "Tool:" turns so nothing is lost.
 */
const LABEL: Record<PromptMessage["role"], string> = { system: "System", user: "Human", assistant: "Assistant", tool: "Tool" };
const ROLE_OF: Record<string, PromptMessage["role"]> = { System: "system", Human: "user", Assistant: "assistant", Tool: "tool" };
const MARKER = /\n\n(Human|Assistant|System|Tool):(?: |$)/g;

function checkContent(text: string): void {
  if (/\n\n(Human|Assistant|System|Tool):/.test(text)) {
    throw new LineError("a message contains a transcript marker (\\n\\nHuman: or \\n\\nAssistant:), which the HH transcript format cannot represent");
  }
}

export function renderTranscript(messages: readonly PromptMessage[]): string {
  return messages
    .map((m) => {
      checkContent(m.content);
      return `\n\n${LABEL[m.role]}: ${m.content}`;
    })
    .join("");
}

export function parseTranscript(text: string, where: string): PromptMessage[] {
  if (!/^\n\n(Human|Assistant|System|Tool):/.test(text)) throw new LineError(`"${where}" must start with "\\n\\nHuman:" (an HH transcript)`);
  const out: PromptMessage[] = [];
  const re = new RegExp(MARKER.source, "g");
  const marks: { label: string; start: number; end: number }[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) marks.push({ label: m[1] as string, start: m.index, end: m.index + m[0].length });
  marks.forEach((mk, i) => {
    const next = marks[i + 1];
    out.push({ role: ROLE_OF[mk.label] as PromptMessage["role"], content: text.slice(mk.end, next ? next.start : text.length) });
  });
  return out;
}
