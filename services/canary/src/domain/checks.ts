// Hard checks on an answer, compiled once per task: phrases, a pattern, a JSON schema, one question, length.
import { Ajv2020 } from "ajv/dist/2020.js";
import { answerShape } from "@rlhf-loop/ml";
import type { HardChecks } from "./types.js";

export interface CheckResult {
  readonly passed: boolean;
  readonly failures: readonly string[];
}

export type CompiledChecks = (answer: string) => CheckResult;

export interface CheckIssue {
  readonly path: string;
  readonly reason: string;
}

// One validator instance: ajv caches compiled schemas, and strict mode reports unknown keywords.
const ajv = new Ajv2020({ strict: false, allErrors: false });

function lower(xs: readonly string[] | undefined): string[] {
  return (xs ?? []).map((x) => x.toLowerCase());
}

/** Field-path problems of a checks object (for imports and the API); empty when valid. */
export function validateChecks(value: unknown, path = "checks"): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (value === undefined) return issues;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [{ path, reason: "must be an object" }];
  const c = value as Record<string, unknown>;
  const known = new Set(["required", "forbidden", "pattern", "jsonSchema", "oneQuestion", "maxWords"]);
  for (const k of Object.keys(c)) if (!known.has(k)) issues.push({ path: `${path}.${k}`, reason: `unknown check (known: ${[...known].join(", ")})` });
  for (const k of ["required", "forbidden"] as const) {
    const v = c[k];
    if (v === undefined) continue;
    if (!Array.isArray(v)) issues.push({ path: `${path}.${k}`, reason: "must be an array of strings" });
    else v.forEach((p, i) => {
      if (typeof p !== "string" || !p.trim()) issues.push({ path: `${path}.${k}[${i}]`, reason: "must be a non-empty string" });
    });
  }
  if (c["pattern"] !== undefined) {
    if (typeof c["pattern"] !== "string") issues.push({ path: `${path}.pattern`, reason: "must be a string" });
    else {
      try {
        new RegExp(c["pattern"], "i");
      } catch (e) {
        issues.push({ path: `${path}.pattern`, reason: `invalid regular expression: ${(e as Error).message}` });
      }
    }
  }
  if (c["jsonSchema"] !== undefined) {
    const s = c["jsonSchema"];
    if (typeof s !== "object" || s === null || Array.isArray(s)) issues.push({ path: `${path}.jsonSchema`, reason: "must be a JSON schema object" });
    else {
      try {
        ajv.compile(s);
      } catch (e) {
        issues.push({ path: `${path}.jsonSchema`, reason: `invalid JSON schema: ${(e as Error).message}` });
      }
    }
  }
  if (c["oneQuestion"] !== undefined && typeof c["oneQuestion"] !== "boolean") issues.push({ path: `${path}.oneQuestion`, reason: "must be true or false" });
  if (c["maxWords"] !== undefined && !(Number.isInteger(c["maxWords"]) && (c["maxWords"] as number) > 0)) issues.push({ path: `${path}.maxWords`, reason: "must be a positive integer" });
  return issues;
}

/** Compiles valid checks (call validateChecks first on untrusted input). */
export function compileChecks(checks: HardChecks): CompiledChecks {
  const required = lower(checks.required);
  const forbidden = lower(checks.forbidden);
  const pattern = checks.pattern !== undefined ? new RegExp(checks.pattern, "i") : undefined;
  const schema = checks.jsonSchema !== undefined ? ajv.compile(checks.jsonSchema) : undefined;
  return (answer) => {
    const failures: string[] = [];
    const text = answer.toLowerCase();
    if (required.some((p) => !text.includes(p))) failures.push("required");
    if (forbidden.some((p) => text.includes(p))) failures.push("forbidden");
    if (pattern && !pattern.test(answer)) failures.push("pattern");
    if (schema) {
      let ok: boolean;
      try {
        ok = schema(JSON.parse(answer)) === true;
      } catch {
        ok = false;
      }
      if (!ok) failures.push("json_schema");
    }
    if (checks.oneQuestion !== undefined || checks.maxWords !== undefined) {
      const shape = answerShape(answer);
      if (checks.oneQuestion === true && shape.questions !== 1) failures.push("one_question");
      if (checks.oneQuestion === false && shape.questions !== 0) failures.push("one_question");
      if (checks.maxWords !== undefined && shape.words > checks.maxWords) failures.push("max_words");
    }
    return { passed: failures.length === 0, failures };
  };
}
