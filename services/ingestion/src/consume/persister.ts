import { AppError, decodeRecord } from "@rlhf-loop/kit";
import type { Bus, BusRecord, Logger, Metrics, Subscription } from "@rlhf-loop/kit";
import { FeedbackSchema, InteractionSchema } from "@rlhf-loop/proto";
import type { TopicNames } from "../accept/publisher.js";
import type { FeedbackRow, InteractionRow } from "../store/events-store.js";
import { insertInteractions, joinParkedFeedback, parkedStats, storeFeedback } from "../store/events-store.js";
import type { Queryable } from "../store/sql.js";
import { classifyDbError } from "./pg-errors.js";
import { feedbackToRow, interactionToRow } from "./rows.js";

export interface PersisterOptions {
  groupId: string;
  topics: TopicNames;
  schema: string;
  /** Handler attempts per batch before records are isolated and, failing still, dead-lettered. */
  maxAttempts: number;
  maxBatchSize: number;
  /** Partitions persisted at once. */
  partitionConcurrency: number;
  /** Full parked-feedback sweep period (safety net for crashes between insert and join). */
  sweepIntervalMs: number;
  fromBeginning: boolean;
}

/**
 * The persisting consumer: rlhf.interactions.v1 and rlhf.feedback.v1 into Postgres, in
 * batches, idempotently (unique keys + on conflict do nothing), each row with its tenant.
 * Feedback for an interaction not stored yet is parked and joined when it arrives.
 * A record that cannot be decoded or breaks the rules throws a non-retriable AppError, which
 * the bus turns into a DLQ record carrying the error.
 */
export class Persister {
  private subscription: Subscription | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly persisted;
  private readonly parkedTotal;
  private readonly joinedTotal;
  private readonly lag;

  constructor(
    private readonly bus: Bus,
    private readonly db: Queryable,
    private readonly options: PersisterOptions,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.persisted = metrics.counter({ name: "rlhf_ingestion_persisted_total", help: "Rows written to Postgres by the persisting consumer", labelNames: ["kind"] as const });
    this.parkedTotal = metrics.counter({ name: "rlhf_ingestion_feedback_parked_total", help: "Feedback parked because its interaction was not stored yet" });
    this.joinedTotal = metrics.counter({ name: "rlhf_ingestion_feedback_joined_total", help: "Parked feedback joined to its interaction once it arrived" });
    this.lag = metrics.histogram({
      name: "rlhf_ingestion_persist_lag_seconds",
      help: "Time from acceptance (receivedAt) to the row being written",
      labelNames: ["kind"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    });
    metrics.gauge({
      name: "rlhf_ingestion_parked_feedback",
      help: "Feedback waiting for its interaction",
      collect: async (g) => {
        try {
          g.set((await parkedStats(this.db, this.options.schema)).count);
        } catch {
          // Keep the last value while Postgres is unreachable.
        }
      },
    });
    metrics.gauge({
      name: "rlhf_ingestion_parked_feedback_oldest_seconds",
      help: "Age of the oldest parked feedback",
      collect: async (g) => {
        try {
          g.set((await parkedStats(this.db, this.options.schema)).oldestAgeSeconds);
        } catch {
          // as above
        }
      },
    });
  }

  private starting: Promise<void> | undefined;
  /** Interaction inserts running now (the post-park join waits for them). */
  private readonly interactionWrites = new Set<Promise<unknown>>();

  start(): Promise<void> {
    this.starting ??= this.subscribe();
    return this.starting;
  }

  private async subscribe(): Promise<void> {
    const { topics } = this.options;
    this.subscription = await this.bus.subscribe({
      groupId: this.options.groupId,
      topics: [topics.interactions, topics.feedback],
      fromBeginning: this.options.fromBeginning,
      maxAttempts: this.options.maxAttempts,
      maxBatchSize: this.options.maxBatchSize,
      // The handler mostly waits on Postgres: let the partitions' inserts overlap.
      partitionConcurrency: this.options.partitionConcurrency,
      // Bigger batches for fewer inserts and commits; costs at most the wait in persistence lag.
      fetchMinBytes: 256 * 1024,
      fetchMaxWaitMs: 100,
      backoff: { initialMs: 100, maxMs: 5_000 },
      handleBatch: (records) => this.handle(records),
    });
    // A crash between parking and its join can leave a parked copy of feedback another writer
    // already stored: sweep once now, not a full interval after a restart.
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    // A stop during start (SIGTERM while joining the group) waits for the subscription to stop it.
    await this.starting?.catch(() => undefined);
    clearInterval(this.sweepTimer);
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** Joins every parked feedback whose interaction is stored; returns how many moved. */
  async sweep(): Promise<number> {
    try {
      const moved = await joinParkedFeedback(this.db, this.options.schema);
      if (moved > 0) {
        this.joinedTotal.inc(moved);
        this.logger.info({ moved }, "parked feedback joined by sweep");
      }
      return moved;
    } catch (err) {
      this.logger.warn({ err }, "parked feedback sweep failed");
      return 0;
    }
  }

  private async handle(records: readonly BusRecord[]): Promise<void> {
    const topic = records[0]?.topic;
    if (topic === this.options.topics.interactions) await this.handleInteractions(records);
    else if (topic === this.options.topics.feedback) await this.handleFeedback(records);
    else throw new AppError("invalid_argument", `unexpected topic ${String(topic)}`, { retriable: false });
  }

  private rowsOf<R>(records: readonly BusRecord[], convert: (r: BusRecord, nowIso: string) => { row: R } | { violations: { path: string; reason: string }[] }): R[] {
    const nowIso = new Date().toISOString();
    return records.map((r) => {
      const out = convert(r, nowIso);
      if ("violations" in out) {
        throw new AppError("invalid_argument", `invalid record at offset ${r.offset}: ${out.violations.map((v) => `${v.path}: ${v.reason}`).join("; ")}`, {
          retriable: false,
          fields: out.violations,
        });
      }
      return out.row;
    });
  }

  private async handleInteractions(records: readonly BusRecord[]): Promise<void> {
    const rows: InteractionRow[] = this.rowsOf(records, (r, now) => interactionToRow(decodeRecord(r, InteractionSchema), now));
    const write = insertInteractions(this.db, this.options.schema, rows);
    this.interactionWrites.add(write);
    try {
      const { inserted, joined } = await write;
      this.persisted.inc({ kind: "interaction" }, inserted);
      if (joined > 0) this.joinedTotal.inc(joined);
    } catch (err) {
      throw classifyDbError(err);
    } finally {
      this.interactionWrites.delete(write);
    }
    this.observeLag("interaction", rows);
  }

  private async handleFeedback(records: readonly BusRecord[]): Promise<void> {
    const rows: FeedbackRow[] = this.rowsOf(records, (r, now) => feedbackToRow(decodeRecord(r, FeedbackSchema), now));
    try {
      const { stored, parked } = await storeFeedback(this.db, this.options.schema, rows);
      this.persisted.inc({ kind: "feedback" }, stored);
      if (parked.length > 0) {
        this.parkedTotal.inc(parked.length);
        // The interaction may have committed while we parked: look again now that parking
        // committed. An interaction insert of this process that started before (partitions are
        // written concurrently) saw neither our rows nor theirs: wait for it to end first.
        await Promise.allSettled([...this.interactionWrites]);
        const moved = await joinParkedFeedback(this.db, this.options.schema, parked);
        if (moved > 0) this.joinedTotal.inc(moved);
      }
    } catch (err) {
      throw classifyDbError(err);
    }
    this.observeLag("feedback", rows);
  }

  private observeLag(kind: string, rows: readonly { receivedAt: string }[]): void {
    const now = Date.now();
    const lag = this.lag.labels({ kind });
    for (const r of rows) lag.observe(Math.max(0, now - Date.parse(r.receivedAt)) / 1000);
  }
}
