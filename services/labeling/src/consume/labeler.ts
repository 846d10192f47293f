import type { AnswerRecord } from "../domain/from-proto.js";
import { stableId } from "../domain/hash.js";
import { heldOut } from "../domain/holdout.js";
import type { Answer, FeedbackEvent, OutcomeName, PairDraft } from "../domain/model.js";
import { comparisonPair, pairsForVote } from "../domain/pairing.js";
import type { ReviewSamplingPolicy, Stratum } from "../domain/review-sampling.js";
import { candidateKey, judgmentsRequired, lowAgreement, samplePair, stratumOf, swapOrder } from "../domain/review-sampling.js";
import type { IgnoreReason, SignalPolicy } from "../domain/signals.js";
import { voteOf } from "../domain/signals.js";
import type { LabelingMetrics } from "../metrics.js";
import { answerKey, insertAnswers, laterTurnBefore, loadAnswers, otherAnswersInGroup, type StoredAnswer } from "../store/answers-store.js";
import { answerSignals, insertFeedback, insertVote, markFeedback, pendingFeedbackFor, recentVotes } from "../store/feedback-store.js";
import { insertPairs } from "../store/pairs-store.js";
import { considerCandidate, insertTask, taskForCandidate } from "../store/review-store.js";
import { activeVersions } from "../store/rubrics-store.js";
import type { Queryable } from "../store/sql.js";

export interface LabelerOptions {
  schema: string;
  signals: SignalPolicy;
  review: ReviewSamplingPolicy;
  /** Build the expert review queue from the stream (default true). */
  reviewQueue: boolean;
}

export interface BatchResult {
  answers: number;
  feedback: number;
  pairs: number;
  tasks: number;
}

const FAILURES: ReadonlySet<OutcomeName> = new Set(["escalation", "refund", "reopen", "compliance_flag"]);

/**
 * Applies the pair rules (domain/) against Postgres, inside the caller's transaction: stores
 * what it consumes, turns feedback into votes and pairs, parks feedback whose interaction has
 * not arrived, and feeds the expert review queue. Idempotent: replayed records are recognized
 * by their ids and change nothing.
 */
export class Labeler {
  constructor(
    private readonly options: LabelerOptions,
    private readonly metrics: LabelingMetrics,
  ) {}

  async handleAnswers(db: Queryable, records: readonly AnswerRecord[]): Promise<BatchResult> {
    const { schema } = this.options;
    const inserted = await insertAnswers(db, schema, records);
    const result: BatchResult = { answers: inserted.length, feedback: 0, pairs: 0, tasks: 0 };
    if (inserted.length === 0) return result;
    // A second answer to the same prompt makes a review candidate.
    if (this.options.reviewQueue) {
      for (const a of inserted) {
        const [other] = await otherAnswersInGroup(db, schema, a, 1);
        if (other && (await this.considerReview(db, a, other))) result.tasks++;
      }
    }
    const waiting = await pendingFeedbackFor(db, schema, inserted);
    if (waiting.length > 0) {
      const r = await this.applyAll(db, waiting);
      result.pairs += r.pairs;
      result.tasks += r.tasks;
    }
    return result;
  }

  async handleFeedback(db: Queryable, events: readonly FeedbackEvent[]): Promise<BatchResult> {
    const fresh = await insertFeedback(db, this.options.schema, events);
    const r = await this.applyAll(db, fresh);
    return { answers: 0, feedback: fresh.length, pairs: r.pairs, tasks: r.tasks };
  }

  private async applyAll(db: Queryable, events: readonly FeedbackEvent[]): Promise<{ pairs: number; tasks: number }> {
    if (events.length === 0) return { pairs: 0, tasks: 0 };
    const { schema } = this.options;
    const keys = events.flatMap((e) => [{ tenantId: e.tenantId, interactionId: e.interactionId }, ...(e.fact.kind === "comparison" ? [{ tenantId: e.tenantId, interactionId: e.fact.otherId }] : [])]);
    const answers = await loadAnswers(db, schema, keys);
    const rubrics = await activeVersions(
      db,
      schema,
      events.filter((e) => e.rubricVersion !== "").map((e) => e.tenantId),
    );
    let pairs = 0;
    let tasks = 0;
    for (const ev of events) {
      const r = await this.apply(db, ev, answers, rubrics.get(ev.tenantId));
      pairs += r.pairs;
      tasks += r.tasks;
    }
    return { pairs, tasks };
  }

  private async ignore(db: Queryable, ev: FeedbackEvent, reason: IgnoreReason): Promise<void> {
    await markFeedback(db, this.options.schema, ev, "ignored", reason);
    this.metrics.feedback(ev.fact.kind, "ignored", reason);
    if (reason === "canary_holdout") this.metrics.holdoutSkipped("feedback");
  }

  private async apply(db: Queryable, ev: FeedbackEvent, answers: ReadonlyMap<string, StoredAnswer>, activeRubric: string | undefined): Promise<{ pairs: number; tasks: number }> {
    const { schema, signals } = this.options;
    const self = answers.get(answerKey(ev.tenantId, ev.interactionId));
    if (!self) {
      this.metrics.feedback(ev.fact.kind, "pending", "");
      return { pairs: 0, tasks: 0 };
    }
    if (ev.fact.kind === "comparison") {
      const other = answers.get(answerKey(ev.tenantId, ev.fact.otherId));
      if (!other) {
        this.metrics.feedback(ev.fact.kind, "pending", "");
        return { pairs: 0, tasks: 0 };
      }
      const d = comparisonPair(ev, self, other, signals, activeRubric);
      if ("ignored" in d) {
        await this.ignore(db, ev, d.ignored);
        return { pairs: 0, tasks: 0 };
      }
      if (d.pair.superseded) this.metrics.supersededOnArrival();
      const n = await this.storePairs(db, [d.pair]);
      await markFeedback(db, schema, ev, "applied");
      this.metrics.feedback(ev.fact.kind, "applied", "");
      return { pairs: n, tasks: 0 };
    }

    // The reopen rule needs to know whether the conversation moved on; ask only when it matters.
    const later = ev.fact.kind === "outcome" && ev.fact.outcome === "reopen" ? await laterTurnBefore(db, schema, self, ev.atMs) : false;
    const d = voteOf(ev, self, signals, { laterTurnBefore: () => later });
    let tasks = 0;
    let pairs = 0;
    if ("ignored" in d) {
      await this.ignore(db, ev, d.ignored);
      // Held-out answers never reach the review queue either (an expert pair is a training pair).
      if (d.ignored === "canary_holdout") return { pairs: 0, tasks: 0 };
    } else {
      const vote = d.vote;
      const partners = await recentVotes(db, schema, vote, vote.direction === 1 ? -1 : 1, signals.partnersPerVote);
      const made = pairsForVote(vote, partners, signals).map((p) => ({ ...p, promptHash: self.promptHash }));
      pairs = await this.storePairs(db, made);
      await insertVote(db, schema, vote);
      await markFeedback(db, schema, ev, "applied");
      this.metrics.feedback(ev.fact.kind, "applied", "");
    }
    // Failures (whatever their pairing weight) and split votes are what the review queue oversamples.
    const reason = "ignored" in d ? d.ignored : undefined;
    const unrelated = reason === "reopen_not_final_turn" || reason === "outcome_outside_window" || reason === "outcome_before_answer" || reason === "tenant_mismatch";
    const failure = ev.fact.kind === "outcome" && FAILURES.has(ev.fact.outcome) && !unrelated;
    if (this.options.reviewQueue && (failure || ev.fact.kind === "thumb" || ev.fact.kind === "rating")) {
      const signalsNow = (await answerSignals(db, schema, [self])).get(answerKey(self.tenantId, self.interactionId));
      if (failure || (signalsNow && lowAgreement(signalsNow, this.options.review))) {
        const [other] = await otherAnswersInGroup(db, schema, self, 1);
        if (other && (await this.considerReview(db, self, other))) tasks++;
      }
    }
    return { pairs, tasks };
  }

  private async storePairs(db: Queryable, pairs: readonly PairDraft[]): Promise<number> {
    const inserted = await insertPairs(db, this.options.schema, pairs);
    for (const p of inserted) this.metrics.pair(p.source);
    return inserted.length;
  }

  /**
   * Considers a pair of answers for expert review in its current stratum; creates the task when
   * the (deterministic) draw includes it. Returns whether a task was created.
   */
  async considerReview(db: Queryable, a: Answer, b: Answer): Promise<boolean> {
    const { schema, review } = this.options;
    if (heldOut(a) || heldOut(b)) {
      this.metrics.holdoutSkipped("review");
      return false;
    }
    const key = candidateKey(a.tenantId, a.interactionId, b.interactionId);
    if (await taskForCandidate(db, schema, a.tenantId, key)) return false;
    const sig = await answerSignals(db, schema, [a, b]);
    const none = { ups: 0, downs: 0, outcomes: [] as OutcomeName[] };
    const sa = sig.get(answerKey(a.tenantId, a.interactionId)) ?? none;
    const sb = sig.get(answerKey(b.tenantId, b.interactionId)) ?? none;
    const stratum = stratumOf({ ...sa, outcomes: sa.outcomes as OutcomeName[] }, { ...sb, outcomes: sb.outcomes as OutcomeName[] }, review);
    const { strata } = await considerCandidate(db, schema, a.tenantId, key, stratum);
    const decision = samplePair(key, strata as Stratum[], review);
    this.metrics.candidate(stratum, decision.included);
    if (!decision.included) return false;
    const [first, second] = a.interactionId < b.interactionId ? [a, b] : [b, a];
    const [shownA, shownB] = swapOrder(key, review.seed) ? [second, first] : [first, second];
    const created = await insertTask(db, schema, {
      tenantId: a.tenantId,
      taskId: stableId("task_", key),
      candidateKey: key,
      interactionA: shownA.interactionId,
      interactionB: shownB.interactionId,
      stratum,
      inclusionProbability: decision.probability,
      samplingWeight: decision.samplingWeight,
      judgmentsRequired: judgmentsRequired(key, review),
      goldChoice: undefined,
    });
    if (created) this.metrics.taskCreated(stratum);
    return created;
  }
}
