import type { Violation } from "./from-proto.js";
import { canonicalJson, sha256Hex } from "./hash.js";

export interface RubricCriterion {
  name: string;
  description: string;
}

/** What a lead publishes; everything else (status, time, hash) is set by the service. */
export interface RubricDraft {
  version: string;
  title: string;
  instructions: string;
  criteria: RubricCriterion[];
  changeNote: string;
}

export const RUBRIC_VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CRITERION_RE = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_CRITERIA = 12;

export function validateRubric(d: RubricDraft): Violation[] {
  const v: Violation[] = [];
  if (!RUBRIC_VERSION_RE.test(d.version)) v.push({ path: "rubric.version", reason: "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit" });
  if (d.title.trim() === "") v.push({ path: "rubric.title", reason: "is required" });
  if (d.title.length > 200) v.push({ path: "rubric.title", reason: "must be at most 200 characters" });
  if (d.instructions.length > 20_000) v.push({ path: "rubric.instructions", reason: "must be at most 20000 characters" });
  if (d.criteria.length === 0) v.push({ path: "rubric.criteria", reason: "must list at least one criterion" });
  if (d.criteria.length > MAX_CRITERIA) v.push({ path: "rubric.criteria", reason: `must list at most ${MAX_CRITERIA} criteria (one key each on the review page)` });
  const seen = new Set<string>();
  d.criteria.forEach((c, i) => {
    if (!CRITERION_RE.test(c.name)) v.push({ path: `rubric.criteria[${i}].name`, reason: "must be a lowercase identifier such as followed_refund_policy" });
    else if (seen.has(c.name)) v.push({ path: `rubric.criteria[${i}].name`, reason: `repeats ${c.name}` });
    seen.add(c.name);
    if (c.description.trim() === "") v.push({ path: `rubric.criteria[${i}].description`, reason: "is required" });
    if (c.description.length > 500) v.push({ path: `rubric.criteria[${i}].description`, reason: "must be at most 500 characters" });
  });
  return v;
}

/** The hash that locks a version: republishing it with other content is refused. */
export function rubricContentHash(d: RubricDraft): string {
  return sha256Hex(canonicalJson({ version: d.version, title: d.title, instructions: d.instructions, criteria: d.criteria.map((c) => ({ name: c.name, description: c.description })) }));
}

export interface CriterionCheck {
  criterion: string;
  aMet: boolean;
  bMet: boolean;
}

export interface JudgmentDraft {
  taskId: string;
  choice: "a" | "b" | "tie" | undefined;
  criteria: CriterionCheck[];
  rubricVersion: string;
  comment: string;
}

/** A judgment must answer the overall question and every criterion of its rubric, nothing else. */
export function validateJudgment(j: JudgmentDraft, rubricCriteria: readonly RubricCriterion[]): Violation[] {
  const v: Violation[] = [];
  if (j.taskId === "") v.push({ path: "task_id", reason: "is required" });
  if (j.choice === undefined) v.push({ path: "choice", reason: "must be A, B or TIE" });
  if (j.rubricVersion === "") v.push({ path: "rubric_version", reason: "is required (the version the task was served under)" });
  if (j.comment.length > 5_000) v.push({ path: "comment", reason: "must be at most 5000 characters" });
  const known = new Set(rubricCriteria.map((c) => c.name));
  const given = new Set<string>();
  j.criteria.forEach((c, i) => {
    if (!known.has(c.criterion)) v.push({ path: `criteria[${i}].criterion`, reason: `is not a criterion of rubric ${j.rubricVersion}` });
    else if (given.has(c.criterion)) v.push({ path: `criteria[${i}].criterion`, reason: `repeats ${c.criterion}` });
    given.add(c.criterion);
  });
  for (const c of rubricCriteria) if (!given.has(c.name)) v.push({ path: "criteria", reason: `misses ${c.name}: every criterion of the checklist needs an answer` });
  return v;
}
