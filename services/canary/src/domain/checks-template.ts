// Per-intent hard checks for tasks sampled from traffic: a team writes its policy rules once per intent.
import { validateChecks, type CheckIssue } from "./checks.js";
import type { HardChecks } from "./types.js";

export interface ChecksTemplate {
  /** Checks every task gets. */
  readonly default?: HardChecks;
  /** Checks added for one intent (phrase lists are concatenated, other fields override the default). */
  readonly intents?: Readonly<Record<string, HardChecks>>;
}

export function validateTemplate(value: unknown, path = "checks"): CheckIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [{ path, reason: "must be an object with default and intents" }];
  const o = value as Record<string, unknown>;
  const issues: CheckIssue[] = [];
  for (const k of Object.keys(o)) if (k !== "default" && k !== "intents") issues.push({ path: `${path}.${k}`, reason: "unknown field (known: default, intents)" });
  issues.push(...validateChecks(o["default"], `${path}.default`));
  const intents = o["intents"];
  if (intents !== undefined) {
    if (typeof intents !== "object" || intents === null || Array.isArray(intents)) issues.push({ path: `${path}.intents`, reason: "must be an object keyed by intent" });
    else for (const [k, v] of Object.entries(intents)) issues.push(...validateChecks(v, `${path}.intents.${k}`));
  }
  return issues;
}

export function checksFor(template: ChecksTemplate, intent: string): HardChecks {
  const base = template.default ?? {};
  const over = template.intents?.[intent] ?? {};
  const required = [...(base.required ?? []), ...(over.required ?? [])];
  const forbidden = [...(base.forbidden ?? []), ...(over.forbidden ?? [])];
  const merged: HardChecks = {
    ...base,
    ...over,
    ...(required.length ? { required } : {}),
    ...(forbidden.length ? { forbidden } : {}),
  };
  return merged;
}

/**
 * The simulated support product's policy rules, as its support team would write them: never grant
 * what the policy forbids, never ask for a password, ask exactly one question on an ambiguous
 * request, and keep answers under 180 words.
 */
export const SIM_SUPPORT_CHECKS: ChecksTemplate = {
  default: { maxWords: 180 },
  intents: {
    refund_out_of_window: { forbidden: ["approved a full refund", "is approved and the money will go back", "eligible for a refund"] },
    password_reset: { forbidden: ["current password", "old password", "welcome123"] },
    billing_dispute: { forbidden: ["reversed the", "removed the"] },
    cancellation: { forbidden: ["repaid the rest", "paid back the unused"] },
    ambiguous: { oneQuestion: true },
  },
};
