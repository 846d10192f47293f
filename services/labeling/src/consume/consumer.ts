import { AppError, decodeRecord, withTransaction } from "@rlhf-loop/kit";
import type { Bus, BusRecord, Logger, Pool, Subscription } from "@rlhf-loop/kit";
import { FeedbackSchema, InteractionSchema } from "@rlhf-loop/proto";
import type { AnswerRecord, Violation } from "../domain/from-proto.js";
import { answerFromInteraction, feedbackEventOf } from "../domain/from-proto.js";
import type { FeedbackEvent } from "../domain/model.js";
import type { Labeler } from "./labeler.js";
import type { PairPublisher } from "./pair-publisher.js";

export interface ConsumerOptions {
  groupId: string;
  topics: { interactions: string; feedback: string };
  fromBeginning: boolean;
  maxAttempts: number;
  maxBatchSize: number;
}

function invalid(r: BusRecord, violations: readonly Violation[]): AppError {
  return new AppError("invalid_argument", `invalid record at ${r.topic}[${r.partition}]@${r.offset}: ${violations.map((v) => `${v.path}: ${v.reason}`).join("; ")}`, {
    retriable: false,
    fields: violations,
  });
}

/**
 * Consumes rlhf.interactions.v1 and rlhf.feedback.v1 into labeling's own tables, one
 * transaction per batch, then flushes the pair outbox. A record that cannot be decoded or is
 * invalid throws a non-retriable AppError: the bus isolates it and dead-letters it with the error.
 */
export class LabelingConsumer {
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly pool: Pool,
    private readonly labeler: Labeler,
    private readonly publisher: PairPublisher,
    private readonly options: ConsumerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { topics } = this.options;
    this.subscription = await this.bus.subscribe({
      groupId: this.options.groupId,
      topics: [topics.interactions, topics.feedback],
      fromBeginning: this.options.fromBeginning,
      maxAttempts: this.options.maxAttempts,
      maxBatchSize: this.options.maxBatchSize,
      backoff: { initialMs: 100, maxMs: 5_000 },
      handleBatch: (records) => this.handle(records),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private async handle(records: readonly BusRecord[]): Promise<void> {
    const topic = records[0]?.topic;
    if (topic === this.options.topics.interactions) {
      const rows: AnswerRecord[] = records.map((r) => {
        const out = answerFromInteraction(decodeRecord(r, InteractionSchema), r.timestamp);
        if ("violations" in out) throw invalid(r, out.violations);
        return out.record;
      });
      const res = await withTransaction(this.pool, (c) => this.labeler.handleAnswers(c, rows));
      if (res.pairs > 0 || res.tasks > 0) this.logger.debug({ ...res }, "answers consumed");
    } else if (topic === this.options.topics.feedback) {
      const events: FeedbackEvent[] = records.map((r) => {
        const out = feedbackEventOf(decodeRecord(r, FeedbackSchema), r.timestamp);
        if ("violations" in out) throw invalid(r, out.violations);
        return out.event;
      });
      await withTransaction(this.pool, (c) => this.labeler.handleFeedback(c, events));
    } else throw new AppError("invalid_argument", `unexpected topic ${String(topic)}`, { retriable: false });
    // Publishing is best effort here; the outbox timer retries what fails.
    await this.publisher.flush().catch(() => undefined);
  }
}
