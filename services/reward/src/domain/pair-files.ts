// Preference files exported by other tools, read into training pairs:
// - trl:        {"prompt": str, "chosen": str | messages, "rejected": str | messages}
// - openai-dpo: {"input": {"messages": [...]}, "preferred_output": [messages], "non_preferred_output": [messages]}
// - hh:         {"chosen": "\n\nHuman: ...\n\nAssistant: ...", "rejected": "..."} (Anthropic HH-RLHF)
import type { TrainPair } from "./examples.js";

export type PairFormat = "hh" | "trl" | "openai-dpo";
export const PAIR_FORMATS: readonly PairFormat[] = ["hh", "trl", "openai-dpo"];

export class PairFileError extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    reason: string,
  ) {
    super(`line ${line}: ${field}: ${reason}`);
  }
}

interface Msg {
  role: string;
  content: string;
}

function messages(x: unknown, line: number, field: string): Msg[] {
  if (!Array.isArray(x)) throw new PairFileError(line, field, "must be a list of messages");
  return x.map((m, i) => {
    const o = m as { role?: unknown; content?: unknown };
    if (typeof o?.content !== "string") throw new PairFileError(line, `${field}[${i}].content`, "must be a string");
    return { role: typeof o.role === "string" ? o.role : "user", content: o.content };
  });
}

function text(x: unknown, line: number, field: string): string {
  if (typeof x === "string") return x;
  // Conversational TRL: the completion is a list of assistant messages.
  return messages(x, line, field)
    .map((m) => m.content)
    .join("\n");
}

const promptOf = (ms: readonly Msg[]): string =>
  ms
    .filter((m) => m.role !== "system")
    .map((m) => m.content)
    .join("\n");

/** Splits an HH transcript into (prompt, final assistant turn). */
export function splitHh(s: string, line: number, field: string): { prompt: string; answer: string } {
  const i = s.lastIndexOf("\n\nAssistant:");
  if (i < 0) throw new PairFileError(line, field, 'no "\\n\\nAssistant:" turn');
  return { prompt: s.slice(0, i).trim(), answer: s.slice(i + "\n\nAssistant:".length).trim() };
}

export function parsePairLine(format: PairFormat, raw: string, line: number): TrainPair {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    o = v as Record<string, unknown>;
  } catch (err) {
    throw new PairFileError(line, "", `not a JSON object (${err instanceof Error ? err.message : String(err)})`);
  }
  let prompt: string;
  let chosen: string;
  let rejected: string;
  if (format === "trl") {
    prompt = typeof o["prompt"] === "string" ? o["prompt"] : promptOf(messages(o["prompt"], line, "prompt"));
    chosen = text(o["chosen"], line, "chosen");
    rejected = text(o["rejected"], line, "rejected");
  } else if (format === "openai-dpo") {
    const input = o["input"] as { messages?: unknown } | undefined;
    prompt = promptOf(messages(input?.messages, line, "input.messages"));
    chosen = text(o["preferred_output"], line, "preferred_output");
    rejected = text(o["non_preferred_output"], line, "non_preferred_output");
  } else {
    if (typeof o["chosen"] !== "string") throw new PairFileError(line, "chosen", "must be a string");
    if (typeof o["rejected"] !== "string") throw new PairFileError(line, "rejected", "must be a string");
    const c = splitHh(o["chosen"], line, "chosen");
    const r = splitHh(o["rejected"], line, "rejected");
    prompt = c.prompt;
    chosen = c.answer;
    rejected = r.answer;
  }
  if (!chosen.trim()) throw new PairFileError(line, "chosen", "empty");
  if (!rejected.trim()) throw new PairFileError(line, "rejected", "empty");
  const w = o["weight"];
  return { prompt, chosen, rejected, weight: typeof w === "number" && w >= 0 ? w : 1, source: "import", id: `line-${line}` };
}

export function parsePairFile(format: PairFormat, content: string): TrainPair[] {
  const out: TrainPair[] = [];
  content.split("\n").forEach((l, i) => {
    if (l.trim()) out.push(parsePairLine(format, l, i + 1));
  });
  return out;
}
