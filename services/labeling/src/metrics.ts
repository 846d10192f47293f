import type { Metrics } from "@rlhf-loop/kit";

/** The labeling-specific series (kit adds HTTP, gRPC, bus, DLQ and consumer-lag series). */
export interface LabelingMetrics {
  feedback(kind: string, result: "applied" | "ignored" | "pending", reason: string): void;
  pair(source: string): void;
  pairsPublished(n: number): void;
  candidate(stratum: string, sampled: boolean): void;
  taskCreated(stratum: string): void;
  judgment(result: "accepted" | "rejected_paused" | "rejected_invalid" | "duplicate"): void;
  supersededOnArrival(): void;
  /** Evidence of a canary-holdout conversation kept out of training, by where it was stopped. */
  holdoutSkipped(stage: "feedback" | "review" | "snapshot" | "publish", n?: number): void;
  rubricChange(tenant: string): void;
  snapshot(origin: string, pairs: number): void;
  audit(tenant: string, alpha: number | null, flagged: number): void;
  readonly registry: Metrics;
}

export function labelingMetrics(metrics: Metrics): LabelingMetrics {
  const feedback = metrics.counter({
    name: "rlhf_labeling_feedback_total",
    help: "Feedback events consumed, by kind and result (applied, ignored with a reason, pending its interaction)",
    labelNames: ["kind", "result", "reason"] as const,
  });
  const pairs = metrics.counter({ name: "rlhf_labeling_pairs_total", help: "Preference pairs built, by source", labelNames: ["source"] as const });
  const published = metrics.counter({ name: "rlhf_labeling_pairs_published_total", help: "Pairs published on rlhf.pairs.v1 (outbox flushes)" });
  const candidates = metrics.counter({
    name: "rlhf_labeling_review_candidates_total",
    help: "Answer pairs considered for expert review, by stratum and whether the draw sampled them",
    labelNames: ["stratum", "sampled"] as const,
  });
  const tasks = metrics.counter({ name: "rlhf_labeling_review_tasks_total", help: "Review tasks created, by stratum", labelNames: ["stratum"] as const });
  const judgments = metrics.counter({ name: "rlhf_labeling_judgments_total", help: "Judgments submitted, by result", labelNames: ["result"] as const });
  const superseded = metrics.counter({ name: "rlhf_labeling_superseded_on_arrival_total", help: "Expert comparisons that arrived under a rubric version already replaced (kept, marked)" });
  const holdout = metrics.counter({
    name: "rlhf_labeling_holdout_skipped_total",
    help: "Evidence on canary-holdout conversations kept out of pairs, by stage (feedback, review, snapshot, publish)",
    labelNames: ["stage"] as const,
  });
  const changes = metrics.counter({ name: "rlhf_labeling_rubric_changes_total", help: "Rubric versions published that paused a previous version", labelNames: ["tenant"] as const });
  const snapshots = metrics.counter({ name: "rlhf_labeling_dataset_snapshots_total", help: "Dataset snapshots stored, by origin", labelNames: ["origin"] as const });
  const snapshotPairs = metrics.gauge({ name: "rlhf_labeling_dataset_last_pairs", help: "Pairs in the last snapshot stored, by origin", labelNames: ["origin"] as const });
  const alpha = metrics.gauge({ name: "rlhf_labeling_audit_alpha", help: "Krippendorff's alpha of the last consistency audit", labelNames: ["tenant"] as const });
  const flagged = metrics.gauge({ name: "rlhf_labeling_raters_flagged", help: "Raters flagged (down-weighted) by the last audit", labelNames: ["tenant"] as const });
  return {
    registry: metrics,
    feedback: (kind, result, reason) => feedback.inc({ kind, result, reason }),
    pair: (source) => pairs.inc({ source }),
    pairsPublished: (n) => published.inc(n),
    candidate: (stratum, sampled) => candidates.inc({ stratum, sampled: String(sampled) }),
    taskCreated: (stratum) => tasks.inc({ stratum }),
    judgment: (result) => judgments.inc({ result }),
    supersededOnArrival: () => superseded.inc(),
    holdoutSkipped: (stage, n = 1) => {
      if (n > 0) holdout.inc({ stage }, n);
    },
    rubricChange: (tenant) => changes.inc({ tenant }),
    snapshot: (origin, n) => {
      snapshots.inc({ origin });
      snapshotPairs.set({ origin }, n);
    },
    audit: (tenant, a, f) => {
      if (a !== null) alpha.set({ tenant }, a);
      flagged.set({ tenant }, f);
    },
  };
}
