// Weekly production watch at the edge: folds live interactions and feedback into stored weekly
// aggregates (each event counted once, claimed in the same transaction as the merge), compares each
// week with the one before, and keeps the Prometheus gauges and the summary the API serves. The
// gauges are refreshed on a timer for the tenants a fold touched, off the consume path.
import type { Logger } from "@rlhf-loop/kit";
import type { Feedback } from "@rlhf-loop/proto";
import type { WatchSink } from "../consume/consumers.js";
import type { CanaryMetrics } from "../metrics.js";
import type { CanaryStore } from "../store/canary-store.js";
import { trackingRegressions, type TrackingPoint, type TrackingRegression } from "../domain/tracking.js";
import { OUTCOME_NAMES, WatchInputError, WeekAccumulator, detectDrift, mergeWeeks, parseWeek, rlhfFitSummary, type DriftReport, type WeekAggregate } from "../watch/index.js";

/** Weeks of reason codes the RLHF-fit summary reads. */
const FIT_WEEKS = 4;
/** Weeks the gauges read: the fit's weeks, which hold the latest week and the one before it (drift). */
export const GAUGE_WEEKS = Math.max(FIT_WEEKS, 2);

export interface WatchOptions {
  /** Milliseconds between gauge refreshes of the tenants folded into since the last one (default 5 s). */
  readonly refreshMs?: number;
}

/** What the watch reads and writes of the canary store. */
export type WatchStore = Pick<CanaryStore, "foldWeeks" | "weeks" | "tracking">;

export interface WatchSummary {
  readonly tenantId: string;
  readonly weeks: readonly WeekAggregate[];
  /** Each week against the week before it, oldest first. */
  readonly drift: readonly DriftReport[];
  /** The latest week's alerts and advice. */
  readonly alerts: DriftReport["alerts"];
  readonly retrain: DriftReport["retrain"] | "n/a";
  readonly retrainReason: string;
  readonly rlhfFit: ReturnType<typeof rlhfFitSummary> & { readonly weeks: number };
  /** The served policy on the canary set, week by week, and what got worse in the latest week. */
  readonly tracking: readonly TrackingPoint[];
  readonly trackingRegressions: readonly TrackingRegression[];
}

export class ProductionWatch {
  readonly sink: WatchSink;
  private readonly accumulators = new Map<string, WeekAccumulator>();
  /** Tenants folded into since their gauges were last refreshed. */
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** The refresh pass in flight: a tick that finds one running leaves the tenants to the next tick. */
  private pass: Promise<void> | undefined;
  private readonly refreshMs: number;

  constructor(
    private readonly store: WatchStore,
    private readonly metrics: CanaryMetrics,
    private readonly logger: Logger,
    options: WatchOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 5_000;
    this.sink = {
      interactions: (list) => this.fold(list.map((i) => ({ tenantId: i.tenantId, key: `i:${i.tenantId}/${i.interactionId}`, add: (a: WeekAccumulator) => a.addInteraction(i) }))),
      feedback: (list) => this.fold(list.map((f: Feedback) => ({ tenantId: f.tenantId, key: `f:${f.tenantId}/${f.feedbackId || f.idempotencyKey}`, add: (a: WeekAccumulator) => a.addFeedback(f) }))),
    };
  }

  /** Starts the gauge refresh timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer || this.refreshMs <= 0) return;
    this.timer = setInterval(() => void this.refreshDirty(), this.refreshMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a refresh in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** Refreshes the gauges of every tenant folded into since the last refresh (one pass at a time). */
  refreshDirty(): Promise<void> {
    this.pass ??= this.refreshPass().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  private async refreshPass(): Promise<void> {
    const tenants = [...this.dirty];
    this.dirty.clear();
    for (const tenantId of tenants) {
      try {
        await this.refreshGauges(tenantId);
      } catch (err) {
        // Kept dirty: the next tick tries again; the folded weeks are already stored.
        this.dirty.add(tenantId);
        this.logger.warn({ err, tenant: tenantId }, "watch gauges not refreshed");
      }
    }
  }

  private accumulator(tenantId: string): WeekAccumulator {
    let a = this.accumulators.get(tenantId);
    if (!a) {
      a = new WeekAccumulator({ tenantId });
      this.accumulators.set(tenantId, a);
    }
    return a;
  }

  private async fold(events: readonly { tenantId: string; key: string; add: (a: WeekAccumulator) => void }[]): Promise<void> {
    const byTenant = new Map<string, typeof events[number][]>();
    for (const e of events) {
      if (!e.tenantId) continue;
      const list = byTenant.get(e.tenantId) ?? [];
      list.push(e);
      byTenant.set(e.tenantId, list);
    }
    for (const [tenantId, list] of byTenant) {
      const acc = this.accumulator(tenantId);
      try {
        await this.store.foldWeeks(list.map((e) => e.key), (fresh) => {
          for (const e of list) {
            if (!fresh.has(e.key)) continue;
            try {
              e.add(acc);
            } catch (err) {
              // One unusable event (no time, wrong tenant) must not hold up the rest of the topic.
              if (!(err instanceof WatchInputError)) throw err;
              this.logger.warn({ tenant: tenantId, key: e.key, reason: err.message }, "event left out of the weekly watch");
            }
          }
          return acc.drain().map((w) => ({ tenantId, weekStart: w.weekStart, partial: w }));
        }, (a: WeekAggregate, b: WeekAggregate) => mergeWeeks(parseWeek(a), b));
      } catch (err) {
        // The claim rolled back: forget what this accumulator absorbed so the redelivery counts it again.
        this.accumulators.delete(tenantId);
        throw err;
      }
      // The gauges follow on the timer: the consumer's batch never waits on reading weeks back.
      this.dirty.add(tenantId);
    }
  }

  private async refreshGauges(tenantId: string): Promise<void> {
    const weeks = (await this.store.weeks<WeekAggregate>(tenantId, { limit: GAUGE_WEEKS })).map((w) => w.aggregate);
    const last = weeks.at(-1);
    if (!last) return;
    const m = this.metrics;
    for (const name of OUTCOME_NAMES) m.weekRate.set({ tenant: tenantId, kind: name }, last.questions ? (last.outcomes[name] ?? 0) / last.questions : 0);
    m.weekRate.set({ tenant: tenantId, kind: "repeat_question" }, last.repeat.questions ? last.repeat.repeats / last.repeat.questions : 0);
    for (const [segment, s] of Object.entries(last.segments)) {
      const votes = s.thumbsUp + s.thumbsDown;
      if (votes) m.weekThumbsUp.set({ tenant: tenantId, segment }, s.thumbsUp / votes);
    }
    const prev = weeks.at(-2);
    const kinds = ["intent_mix", "outcome_rate", "thumbs_rate", "repeat_question_rate"] as const;
    const report = prev ? detectDrift(prev, last) : undefined;
    if (report?.psi !== null && report?.psi !== undefined) m.intentPsi.set({ tenant: tenantId }, report.psi);
    for (const kind of kinds) m.driftAlert.set({ tenant: tenantId, kind }, report?.alerts.some((a) => a.kind === kind) ? 1 : 0);
    const fit = this.fit(weeks);
    if (fit.preferenceShare) m.preferenceShare.set({ tenant: tenantId }, fit.preferenceShare.estimate);
    if (report?.alerts.length) this.logger.warn({ tenant: tenantId, week: last.weekStart, alerts: report.alerts.map((a) => a.message) }, "production drift");
  }

  private fit(weeks: readonly WeekAggregate[]): WatchSummary["rlhfFit"] {
    const recent = weeks.slice(-FIT_WEEKS);
    const codes: Record<string, number> = {};
    const counts: Record<string, number> = {};
    let questions = 0;
    for (const w of recent) {
      for (const [c, n] of Object.entries(w.thumbsDown.codes)) codes[c] = (codes[c] ?? 0) + n;
      for (const [o, n] of Object.entries(w.outcomes)) counts[o] = (counts[o] ?? 0) + n;
      questions += w.questions;
    }
    return { ...rlhfFitSummary(codes, questions ? { questions, counts } : undefined), weeks: recent.length };
  }

  async summary(tenantId: string): Promise<WatchSummary> {
    const weeks = (await this.store.weeks<WeekAggregate>(tenantId)).map((w) => w.aggregate);
    const drift = weeks.slice(1).map((w, i) => detectDrift(weeks[i]!, w));
    const latest = drift.at(-1);
    const tracking = await this.store.tracking<TrackingPoint>(tenantId);
    return {
      tenantId,
      weeks,
      drift,
      alerts: latest?.alerts ?? [],
      retrain: latest?.retrain ?? "n/a",
      retrainReason: latest?.reason ?? (weeks.length < 2 ? "a second week is needed to compare" : ""),
      rlhfFit: this.fit(weeks),
      tracking,
      trackingRegressions: tracking.length ? trackingRegressions(tracking.filter((p) => p.setId === tracking.at(-1)!.setId).at(-2), tracking.at(-1)!) : [],
    };
  }
}
