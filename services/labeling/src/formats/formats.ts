import type { PromptMessage } from "../domain/model.js";

/** A preference pair as trainer formats carry it: texts only, optionally a weight. */
export interface ExchangePair {
  prompt: PromptMessage[];
  chosen: string;
  rejected: string;
  weight?: number | undefined;
}

export const FORMAT_NAMES = ["trl", "trl-conversational", "openai-dpo", "hh"] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export function isFormatName(x: string): x is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(x);
}

/** Why one line of an import cannot be read. */
export class LineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface Format {
  readonly name: FormatName;
  readonly describe: string;
  /** One JSON object (no newline). Throws LineError when the pair cannot be written faithfully. */
  write(p: ExchangePair, opts: { includeWeight: boolean }): Record<string, unknown>;
  /** Reads one parsed JSON line; throws LineError naming what is wrong. */
  read(obj: unknown): ExchangePair;
  /** Whether a parsed line looks like this format (for --format auto). */
  sniff(obj: unknown): boolean;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function stringField(obj: Record<string, unknown>, key: string): string {
  const v = obj[key];
  if (v === undefined) throw new LineError(`missing "${key}" (a string)`);
  if (typeof v !== "string") throw new LineError(`"${key}" must be a string, got ${kindOf(v)}`);
  return v;
}

export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

const ROLE_IN: Record<string, PromptMessage["role"]> = { system: "system", developer: "system", user: "user", assistant: "assistant", tool: "tool" };

/** Reads `[{role, content}]`; `where` names the field in errors. */
export function readMessages(v: unknown, where: string): PromptMessage[] {
  if (!Array.isArray(v)) throw new LineError(`"${where}" must be a list of messages, got ${kindOf(v)}`);
  return v.map((m, i) => {
    if (!isRecord(m)) throw new LineError(`"${where}[${i}]" must be an object with role and content, got ${kindOf(m)}`);
    const role = m["role"];
    const content = m["content"];
    if (typeof role !== "string" || ROLE_IN[role] === undefined) throw new LineError(`"${where}[${i}].role" must be system, user, assistant or tool, got ${JSON.stringify(role)}`);
    if (typeof content !== "string") throw new LineError(`"${where}[${i}].content" must be a string, got ${kindOf(content)}`);
    return { role: ROLE_IN[role] as PromptMessage["role"], content };
  });
}

/** The single assistant message trainer formats use for chosen/rejected. */
export function readAssistantTurn(v: unknown, where: string): string {
  const msgs = readMessages(v, where);
  if (msgs.length !== 1 || msgs[0]?.role !== "assistant") throw new LineError(`"${where}" must hold exactly one assistant message`);
  return msgs[0].content;
}

export function readWeight(obj: Record<string, unknown>): number | undefined {
  const w = obj["weight"];
  if (w === undefined) return undefined;
  if (typeof w !== "number" || !Number.isFinite(w) || w < 0) throw new LineError(`"weight" must be a finite number >= 0, got ${JSON.stringify(w)}`);
  return w;
}

export function withWeight(out: Record<string, unknown>, p: ExchangePair, includeWeight: boolean): Record<string, unknown> {
  if (includeWeight && p.weight !== undefined) out["weight"] = p.weight;
  return out;
}

export function checkPair(p: ExchangePair): ExchangePair {
  if (p.prompt.length === 0) throw new LineError("the prompt is empty");
  if (!p.prompt.some((m) => m.role === "user")) throw new LineError("the prompt has no user message");
  return p;
}
