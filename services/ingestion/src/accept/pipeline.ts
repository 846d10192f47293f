import { AppError } from "@rlhf-loop/kit";
import type { Logger } from "@rlhf-loop/kit";
import type { PreparedEvent } from "../domain/prepare.js";
import { prepareEvent, tenantMismatch } from "../domain/prepare.js";
import type { TenantRateLimiter } from "../domain/rate-limiter.js";
import { retryAfterSeconds } from "../domain/rate-limiter.js";
import type { IncomingEvent } from "../domain/validate.js";
import type { FieldViolation } from "../domain/violations.js";
import { joinPath } from "../domain/violations.js";
import type { LedgerEntry } from "../store/ledger-store.js";
import type { Caller } from "./authenticator.js";
import type { IdempotencyLedger } from "./ledger.js";
import { keyOf } from "./ledger.js";
import type { EventPublisher } from "./publisher.js";

/** The answer for one event, as RecordResponse. */
export interface EventResult {
  eventId: string;
  idempotencyKey: string;
  duplicate: boolean;
}

export interface PipelineMetrics {
  /** An event accepted or recognized as a duplicate. */
  event(p: PreparedEvent, result: "accepted" | "duplicate"): void;
  produceError(): void;
  rejected(reason: string, events: number): void;
}

export interface PipelineDeps {
  ledger: IdempotencyLedger;
  publisher: EventPublisher;
  limiter: TenantRateLimiter;
  logger: Logger;
  metrics: PipelineMetrics;
  now?: () => number;
  /** Replace e-mail addresses and phone numbers in the text before anything is published. */
  redactPii?: boolean;
}

/**
 * Accepts validated events for a caller: tenant check (403), rate limit (429), idempotency
 * (duplicate answers, 409 on a reused key), publish and wait for the broker (503 when it
 * fails), then the ledger. All-or-nothing: nothing is published unless every event passes.
 * `paths` name each event in errors (e.g. "events[3].feedback" or "feedback").
 */
export class IngestPipeline {
  /** Keys being published right now, so a concurrent retry waits and answers "duplicate". */
  private readonly inflight = new Map<string, Promise<LedgerEntry | undefined>>();

  constructor(private readonly deps: PipelineDeps) {}

  async accept(caller: Caller, events: readonly IncomingEvent[], paths: readonly string[]): Promise<EventResult[]> {
    const { metrics } = this.deps;
    const wrongTenant: FieldViolation[] = [];
    events.forEach((e, i) => {
      if (tenantMismatch(e, caller.tenantId)) wrongTenant.push({ path: joinPath(paths[i] ?? "", "tenantId"), reason: "does not match the API key's tenant" });
    });
    if (wrongTenant.length > 0) {
      metrics.rejected("wrong_tenant", events.length);
      throw new AppError("permission_denied", "the API key's tenant may not write another tenant's data", { fields: wrongTenant });
    }

    const limited = this.deps.limiter.take(caller.tenantId, caller.limit, events.length);
    if (!limited.ok) {
      metrics.rejected("rate_limited", events.length);
      const s = retryAfterSeconds(limited.retryAfterMs);
      throw new AppError("resource_exhausted", `rate limit of ${caller.limit.ratePerSec} events/s exceeded; retry in ${s}s`, { retryAfterSeconds: s });
    }

    const now = (this.deps.now ?? Date.now)();
    const prepared = events.map((e) => prepareEvent(e, caller.tenantId, now, this.deps.redactPii === true));
    return this.dedupeAndPublish(prepared, paths);
  }

  private async dedupeAndPublish(prepared: PreparedEvent[], paths: readonly string[]): Promise<EventResult[]> {
    const results: (EventResult | undefined)[] = prepared.map(() => undefined);
    const conflicts: FieldViolation[] = [];
    const keyPath = (i: number) => joinPath(paths[i] ?? "", "idempotencyKey");

    // 1. Repeats inside this request: same content is a duplicate of the first, else a conflict.
    const firstByKey = new Map<string, number>();
    const firstByInteraction = new Map<string, number>();
    const repeats = new Map<number, number>();
    prepared.forEach((p, i) => {
      const k = keyOf(p.tenantId, p.idempotencyKey);
      const first = firstByKey.get(k);
      if (first !== undefined) {
        if (prepared[first]!.fingerprint === p.fingerprint) repeats.set(i, first);
        else conflicts.push({ path: keyPath(i), reason: `reused within the request for different content (see ${paths[first]})` });
        return;
      }
      firstByKey.set(k, i);
      if (p.kind === "interaction") {
        const ik = keyOf(p.tenantId, p.interactionId);
        const other = firstByInteraction.get(ik);
        if (other !== undefined) conflicts.push({ path: joinPath(paths[i] ?? "", "interactionId"), reason: `sent twice with different idempotency keys (see ${paths[other]})` });
        else firstByInteraction.set(ik, i);
      }
    });
    if (conflicts.length > 0) throw conflict(conflicts, this.deps.metrics, prepared.length);

    // 2. Keys another request is publishing right now: wait for its outcome. Our own keys are
    //    registered in the same tick, so no two requests can wait on each other.
    const unique = [...firstByKey.values()];
    const waits = new Map<number, Promise<LedgerEntry | undefined>>();
    const mine: number[] = [];
    const settle = new Map<string, (e: LedgerEntry | undefined) => void>();
    for (const i of unique) {
      const p = prepared[i]!;
      const k = keyOf(p.tenantId, p.idempotencyKey);
      const other = this.inflight.get(k);
      if (other) waits.set(i, other);
      else {
        mine.push(i);
        this.inflight.set(k, new Promise((resolve) => settle.set(k, resolve)));
      }
    }
    const release = (accepted: Map<string, LedgerEntry>) => {
      for (const [k, resolve] of settle) {
        this.inflight.delete(k);
        resolve(accepted.get(k));
      }
    };

    // What each of our keys resolved to, handed to requests waiting on them.
    const resolved = new Map<string, LedgerEntry>();
    try {
      const known = new Map<number, LedgerEntry>();
      for (const [i, w] of waits) {
        const e = await w;
        if (!e) throw new AppError("unavailable", "a concurrent request with the same idempotency key failed; retry", { retryAfterSeconds: 1 });
        known.set(i, e);
      }

      // 3. What the ledger already holds for our keys (and interaction ids).
      let hits;
      try {
        hits = await this.deps.ledger.find(
          mine.map((i) => {
            const p = prepared[i]!;
            return { tenantId: p.tenantId, idempotencyKey: p.idempotencyKey, ...(p.kind === "interaction" ? { interactionId: p.interactionId } : {}) };
          }),
        );
      } catch (err) {
        throw new AppError("unavailable", "the idempotency ledger is unreachable; retry", { cause: err, retryAfterSeconds: 1 });
      }
      const fresh: number[] = [];
      for (const i of mine) {
        const p = prepared[i]!;
        const byKey = hits.byKey.get(keyOf(p.tenantId, p.idempotencyKey));
        if (byKey) {
          known.set(i, byKey);
          resolved.set(keyOf(p.tenantId, p.idempotencyKey), byKey);
          continue;
        }
        const byIx = p.kind === "interaction" ? hits.byInteraction.get(keyOf(p.tenantId, p.interactionId)) : undefined;
        if (byIx) conflicts.push({ path: joinPath(paths[i] ?? "", "interactionId"), reason: `already recorded with another idempotency key (${JSON.stringify(byIx.idempotencyKey)})` });
        else fresh.push(i);
      }
      for (const [i, e] of known) {
        if (e.fingerprint !== prepared[i]!.fingerprint) conflicts.push({ path: keyPath(i), reason: "already used for different content" });
        else results[i] = { eventId: e.eventId, idempotencyKey: e.idempotencyKey, duplicate: true };
      }
      if (conflicts.length > 0) throw conflict(conflicts, this.deps.metrics, prepared.length);

      // 4. Publish what is new; answer only after the broker acknowledged.
      const toPublish = fresh.map((i) => prepared[i]!);
      if (toPublish.length > 0) {
        try {
          await this.deps.publisher.publish(toPublish);
        } catch (err) {
          this.deps.metrics.produceError();
          this.deps.logger.warn({ err, events: toPublish.length }, "publish failed");
          throw new AppError("unavailable", "the event broker did not acknowledge the write; retry", { cause: err, retryAfterSeconds: 1 });
        }
      }
      const entries: LedgerEntry[] = [];
      for (const p of toPublish) {
        const e: LedgerEntry = {
          tenantId: p.tenantId,
          idempotencyKey: p.idempotencyKey,
          eventId: p.eventId,
          kind: p.kind,
          interactionId: p.interactionId,
          fingerprint: p.fingerprint,
        };
        entries.push(e);
        resolved.set(keyOf(p.tenantId, p.idempotencyKey), e);
      }
      this.deps.ledger.remember(entries);
      for (const i of fresh) {
        const p = prepared[i]!;
        results[i] = { eventId: p.eventId, idempotencyKey: p.idempotencyKey, duplicate: false };
        this.deps.metrics.event(p, "accepted");
      }
      for (const i of known.keys()) this.deps.metrics.event(prepared[i]!, "duplicate");
      release(resolved);
    } catch (err) {
      release(resolved);
      throw err;
    }

    for (const [i, first] of repeats) {
      const r = results[first]!;
      results[i] = { eventId: r.eventId, idempotencyKey: r.idempotencyKey, duplicate: true };
      this.deps.metrics.event(prepared[i]!, "duplicate");
    }
    return results.map((r) => r!);
  }
}

function conflict(fields: FieldViolation[], metrics: PipelineMetrics, events: number): AppError {
  metrics.rejected("idempotency_conflict", events);
  return new AppError("failed_precondition", "idempotency key reused with different content", { fields });
}
