import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { CriterionCheckSchema, JudgmentSchema, ReviewChoice, ReviewTaskSchema, RubricCriterionSchema, RubricSchema, RubricStatus } from "@rlhf-loop/proto";
import type { Judgment, ReviewTask, Rubric } from "@rlhf-loop/proto";
import type { Verdict } from "../domain/audit.js";
import { promptProto } from "../domain/to-proto.js";
import type { JudgmentRecord, TaskView } from "../store/review-store.js";
import type { StoredRubric } from "../store/rubrics-store.js";

export const CHOICE_ENUM: Record<Verdict, ReviewChoice> = { a: ReviewChoice.A, b: ReviewChoice.B, tie: ReviewChoice.TIE };

export function choiceOf(c: ReviewChoice): Verdict | undefined {
  return c === ReviewChoice.A ? "a" : c === ReviewChoice.B ? "b" : c === ReviewChoice.TIE ? "tie" : undefined;
}

export function rubricProto(r: StoredRubric): Rubric {
  return create(RubricSchema, {
    version: r.version,
    title: r.title,
    instructions: r.instructions,
    criteria: r.criteria.map((c) => create(RubricCriterionSchema, c)),
    status: r.status === "active" ? RubricStatus.ACTIVE : RubricStatus.PAUSED,
    publishedAt: timestampFromMs(r.publishedAtMs),
    publishedBy: r.publishedBy,
    changeNote: r.changeNote,
    contentSha256: r.contentSha256,
    tenantId: r.tenantId,
  });
}

/** What an expert sees of a task: no stratum, gold flag or interaction ids. */
export function taskProto(t: TaskView, rubricVersion: string): ReviewTask {
  return create(ReviewTaskSchema, {
    taskId: t.taskId,
    tenantId: t.tenantId,
    prompt: promptProto(t.prompt),
    answerA: t.answerA,
    answerB: t.answerB,
    rubricVersion,
    createdAt: timestampFromMs(t.createdAtMs),
  });
}

export function judgmentProto(j: JudgmentRecord): Judgment {
  return create(JudgmentSchema, {
    judgmentId: j.judgmentId,
    taskId: j.taskId,
    raterId: j.raterId,
    choice: CHOICE_ENUM[j.choice],
    criteria: j.criteria.map((c) => create(CriterionCheckSchema, c)),
    rubricVersion: j.rubricVersion,
    submittedAt: timestampFromMs(j.submittedAtMs),
    superseded: j.superseded,
    comment: j.comment,
  });
}

/** JSON shapes of the HTTP API (plain, camelCase). */
export function rubricJson(r: StoredRubric) {
  return {
    version: r.version,
    title: r.title,
    instructions: r.instructions,
    criteria: r.criteria,
    status: r.status,
    publishedAt: new Date(r.publishedAtMs).toISOString(),
    publishedBy: r.publishedBy,
    changeNote: r.changeNote,
    contentSha256: r.contentSha256,
  };
}

export function taskJson(t: TaskView, rubricVersion: string) {
  return { taskId: t.taskId, prompt: t.prompt, answerA: t.answerA, answerB: t.answerB, rubricVersion, createdAt: new Date(t.createdAtMs).toISOString() };
}

export function judgmentJson(j: JudgmentRecord) {
  return {
    judgmentId: j.judgmentId,
    taskId: j.taskId,
    raterId: j.raterId,
    choice: j.choice,
    criteria: j.criteria,
    rubricVersion: j.rubricVersion,
    comment: j.comment,
    superseded: j.superseded,
    submittedAt: new Date(j.submittedAtMs).toISOString(),
  };
}
