import { AppError, isRetriable } from "../errors/app-error.js";
import type { Logger } from "../log/logger.js";
import { backoffDelay, sleep } from "./backoff.js";
import type { BusCounters } from "./bus-metrics.js";
import { DlqHeaders, type BusHeaders, type BusRecord, type RawMessage, type SubscribeOptions } from "./types.js";

/** Thrown when the consumer stops during a retry wait; the batch is then left uncommitted. */
export class ConsumerStoppedError extends Error {
  constructor() {
    super("consumer stopping");
    this.name = "ConsumerStoppedError";
  }
}

export interface BatchDeps {
  options: SubscribeOptions;
  /** Aborted when the consumer is stopping. */
  signal: AbortSignal;
  /** Publishes dead letters (acknowledged before the batch is committed). */
  publishRaw(topic: string, messages: readonly RawMessage[]): Promise<void>;
  /** Keeps group membership alive during long retries (kafkajs). */
  heartbeat?: () => Promise<void>;
  logger?: Logger;
  counters?: BusCounters;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_MAX_BATCH = 500;
const MAX_ERROR_HEADER = 2_000;

function errorClassOf(err: unknown): string {
  if (err instanceof AppError) return `AppError:${err.code}`;
  if (err instanceof Error) return err.constructor.name || err.name;
  return typeof err;
}

/** The DLQ record for `record`: original key, bytes and headers, plus the error headers. */
export function deadLetterOf(record: BusRecord, err: unknown, attempts: number, groupId: string): RawMessage {
  const message = err instanceof Error ? err.message : String(err);
  const headers: BusHeaders = {
    ...record.headers,
    [DlqHeaders.errorMessage]: message.length > MAX_ERROR_HEADER ? `${message.slice(0, MAX_ERROR_HEADER)}…` : message,
    [DlqHeaders.errorClass]: errorClassOf(err),
    [DlqHeaders.errorCode]: AppError.from(err).code,
    [DlqHeaders.retriable]: String(isRetriable(err)),
    [DlqHeaders.originalTopic]: record.topic,
    [DlqHeaders.originalPartition]: String(record.partition),
    [DlqHeaders.originalOffset]: record.offset,
    [DlqHeaders.originalTimestamp]: String(record.timestamp),
    [DlqHeaders.attempts]: String(attempts),
    [DlqHeaders.consumerGroup]: groupId,
  };
  return { key: record.key, value: record.value, headers };
}

async function attemptLoop(
  records: readonly BusRecord[],
  deps: BatchDeps,
): Promise<{ ok: true } | { ok: false; err: unknown; attempts: number }> {
  const { options, signal } = deps;
  const max = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  let lastErr: unknown;
  for (let attempt = 1; attempt <= max; attempt++) {
    if (signal.aborted) throw new ConsumerStoppedError();
    try {
      await options.handleBatch(records, { attempt, signal, groupId: options.groupId });
      return { ok: true };
    } catch (err) {
      lastErr = err;
      const topic = records[0]?.topic ?? "";
      deps.counters?.handlerFailures.inc({ topic, group: options.groupId });
      deps.logger?.warn(
        { err, groupId: options.groupId, topic, partition: records[0]?.partition, firstOffset: records[0]?.offset, count: records.length, attempt },
        "batch handler failed",
      );
      if (!isRetriable(err)) return { ok: false, err, attempts: attempt };
      if (attempt < max) {
        try {
          await sleep(backoffDelay(options.backoff, attempt), signal);
        } catch {
          throw new ConsumerStoppedError();
        }
        await deps.heartbeat?.();
      }
    }
  }
  return { ok: false, err: lastErr, attempts: max };
}

/**
 * Runs the handler on a batch with bounded retries. When they run out (or on a non-retriable
 * error) the batch is split and each record retried alone, so only the failing records go to
 * their DLQ topic; the rest are handled normally. Resolves when every record was handled or
 * dead-lettered: then, and only then, the caller commits. Throws ConsumerStoppedError when
 * stopping mid-retry (nothing may be committed then).
 */
export async function processBatch(records: readonly BusRecord[], deps: BatchDeps): Promise<void> {
  if (records.length === 0) return;
  const { options } = deps;
  const dlqOf = options.dlqTopicOf ?? ((t: string) => `${t}.dlq`);
  const first = await attemptLoop(records, deps);
  const failed: { record: BusRecord; err: unknown; attempts: number }[] = [];
  if (!first.ok) {
    if (records.length === 1 && records[0]) failed.push({ record: records[0], err: first.err, attempts: first.attempts });
    else {
      for (const r of records) {
        const one = await attemptLoop([r], deps);
        if (!one.ok) failed.push({ record: r, err: one.err, attempts: first.attempts + one.attempts });
      }
    }
  }
  if (failed.length > 0) {
    const byTopic = new Map<string, RawMessage[]>();
    for (const f of failed) {
      const dlq = dlqOf(f.record.topic);
      const list = byTopic.get(dlq) ?? [];
      list.push(deadLetterOf(f.record, f.err, f.attempts, options.groupId));
      byTopic.set(dlq, list);
      deps.logger?.error(
        { err: f.err, groupId: options.groupId, topic: f.record.topic, partition: f.record.partition, offset: f.record.offset, dlq, attempts: f.attempts },
        "record dead-lettered",
      );
    }
    for (const [dlq, msgs] of byTopic) {
      await deps.publishRaw(dlq, msgs);
      deps.counters?.deadLettered.inc({ topic: msgs[0]?.headers?.[DlqHeaders.originalTopic] ?? dlq, group: options.groupId }, msgs.length);
    }
  }
  const topic = records[0]?.topic ?? "";
  deps.counters?.consumed.inc({ topic, group: options.groupId }, records.length - failed.length);
}

/** Splits records into handler-sized chunks. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
