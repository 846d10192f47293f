// Canary tasks from a JSONL file: one CanaryTask per line, every problem reported with line and field path.
import { validateChecks, type CheckIssue } from "./checks.js";
import type { CanaryTask, ExpertComparison, HardChecks } from "./types.js";

export interface ImportIssue extends CheckIssue {
  /** 1-based line number. */
  readonly line: number;
}

export interface ImportResult {
  readonly tasks: CanaryTask[];
  readonly issues: ImportIssue[];
}

const MAX_PROMPT_CHARS = 8_000;

function str(v: unknown): v is string {
  return typeof v === "string";
}

/** Parses one task object; `issues` collects problems under `path`. */
export function parseTask(value: unknown, index: number, issues: CheckIssue[], path = ""): CanaryTask | undefined {
  const at = (f: string) => (path ? `${path}.${f}` : f);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push({ path: path || "$", reason: "must be a JSON object" });
    return undefined;
  }
  const o = value as Record<string, unknown>;
  const known = new Set(["taskId", "intent", "segment", "prompt", "loggedAnswer", "checks", "expertComparisons", "sourceInteractionId"]);
  for (const k of Object.keys(o)) if (!known.has(k)) issues.push({ path: at(k), reason: `unknown field (known: ${[...known].join(", ")})` });
  const before = issues.length;
  if (!str(o["prompt"]) || !o["prompt"].trim()) issues.push({ path: at("prompt"), reason: "required, a non-empty string" });
  else if (o["prompt"].length > MAX_PROMPT_CHARS) issues.push({ path: at("prompt"), reason: `at most ${MAX_PROMPT_CHARS} characters` });
  for (const f of ["taskId", "intent", "segment", "loggedAnswer", "sourceInteractionId"]) {
    if (o[f] !== undefined && !str(o[f])) issues.push({ path: at(f), reason: "must be a string" });
  }
  issues.push(...validateChecks(o["checks"], at("checks")));
  const comparisons: ExpertComparison[] = [];
  const ec = o["expertComparisons"];
  if (ec !== undefined) {
    if (!Array.isArray(ec)) issues.push({ path: at("expertComparisons"), reason: "must be an array" });
    else ec.forEach((c: unknown, i) => {
      const p = at(`expertComparisons[${i}]`);
      const r = (typeof c === "object" && c !== null ? c : {}) as Record<string, unknown>;
      if (!str(r["preferred"]) || !r["preferred"]) issues.push({ path: `${p}.preferred`, reason: "required, a non-empty string" });
      if (!str(r["other"]) || !r["other"]) issues.push({ path: `${p}.other`, reason: "required, a non-empty string" });
      if (str(r["preferred"]) && str(r["other"])) {
        comparisons.push({
          preferred: r["preferred"],
          other: r["other"],
          ...(str(r["raterId"]) ? { raterId: r["raterId"] } : {}),
          ...(str(r["rubricVersion"]) ? { rubricVersion: r["rubricVersion"] } : {}),
        });
      }
    });
  }
  if (issues.length > before) return undefined;
  return {
    taskId: str(o["taskId"]) && o["taskId"] ? o["taskId"] : `task-${index + 1}`,
    intent: str(o["intent"]) && o["intent"] ? o["intent"] : "unknown",
    segment: str(o["segment"]) ? o["segment"] : "",
    prompt: o["prompt"] as string,
    ...(str(o["loggedAnswer"]) && o["loggedAnswer"] ? { loggedAnswer: o["loggedAnswer"] } : {}),
    checks: (o["checks"] ?? {}) as HardChecks,
    expertComparisons: comparisons,
    ...(str(o["sourceInteractionId"]) ? { sourceInteractionId: o["sourceInteractionId"] } : {}),
  };
}

/** Parses JSONL text; blank lines are skipped; task ids must be unique. Nothing is kept when any line fails. */
export function parseTasksJsonl(text: string): ImportResult {
  const tasks: CanaryTask[] = [];
  const issues: ImportIssue[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      issues.push({ line, path: "$", reason: `not JSON: ${(e as Error).message}` });
      return;
    }
    const local: CheckIssue[] = [];
    const task = parseTask(value, tasks.length, local);
    issues.push(...local.map((x) => ({ ...x, line })));
    if (!task) return;
    const prev = seen.get(task.taskId);
    if (prev !== undefined) {
      issues.push({ line, path: "taskId", reason: `duplicate of line ${prev}` });
      return;
    }
    seen.set(task.taskId, line);
    tasks.push(task);
  });
  if (tasks.length === 0 && issues.length === 0) issues.push({ line: 0, path: "$", reason: "no tasks in the file" });
  return { tasks: issues.length ? [] : tasks, issues };
}
