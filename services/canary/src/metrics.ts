// Prometheus series of the canary (bounded labels: tenant, decision, metric, intent, kind; no ids).
import type { Metrics } from "@rlhf-loop/kit";

export function canaryMetrics(m: Metrics) {
  return {
    runs: m.counter({ name: "rlhf_canary_runs_total", help: "Canary runs finished, by decision (failed = the run could not finish)", labelNames: ["tenant", "decision"] as const }),
    runSeconds: m.histogram({ name: "rlhf_canary_run_seconds", help: "Seconds per canary run", buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300] }),
    runProgress: m.gauge({ name: "rlhf_canary_run_progress_ratio", help: "Progress of the running canary run's current stage (0..1)", labelNames: ["stage"] as const }),
    lastDecision: m.gauge({ name: "rlhf_canary_last_decision", help: "Last gate decision per tenant: 1 promote, 0 hold, -1 reject", labelNames: ["tenant"] as const }),
    gateFailed: m.gauge({ name: "rlhf_canary_gate_failed", help: "1 when the tenant's last canary run was held or rejected", labelNames: ["tenant"] as const }),
    metricCandidate: m.gauge({ name: "rlhf_canary_metric_candidate", help: "Last canary run's figure for the candidate (all tasks)", labelNames: ["tenant", "metric"] as const }),
    metricProduction: m.gauge({ name: "rlhf_canary_metric_production", help: "Last canary run's figure for production (all tasks)", labelNames: ["tenant", "metric"] as const }),
    metricDelta: m.gauge({ name: "rlhf_canary_metric_delta", help: "Candidate minus production, last canary run (all tasks)", labelNames: ["tenant", "metric"] as const }),
    metricDeltaLow: m.gauge({ name: "rlhf_canary_metric_delta_low", help: "Lower 95% bound of candidate minus production", labelNames: ["tenant", "metric"] as const }),
    metricDeltaHigh: m.gauge({ name: "rlhf_canary_metric_delta_high", help: "Upper 95% bound of candidate minus production", labelNames: ["tenant", "metric"] as const }),
    shapeShift: m.gauge({ name: "rlhf_canary_shape_shift_everywhere", help: "1 when the last canary run saw this shape shift in most intents at once", labelNames: ["tenant", "metric"] as const }),
    regression: m.gauge({ name: "rlhf_canary_regression", help: "1 when the last canary run rejected for this reason", labelNames: ["tenant", "reason"] as const }),
    servedPolicyPromotions: m.counter({ name: "rlhf_canary_promotions_total", help: "Checkpoints promoted to serve a tenant", labelNames: ["tenant"] as const }),
    trafficHeldOut: m.counter({ name: "rlhf_canary_traffic_held_out_total", help: "Held-out interactions stored for canary sets", labelNames: ["tenant"] as const }),
    setTasks: m.gauge({ name: "rlhf_canary_set_tasks", help: "Tasks in the tenant's current canary set", labelNames: ["tenant"] as const }),
    // Watching production.
    trackingFigure: m.gauge({ name: "rlhf_canary_tracking_value", help: "The served policy's figure on the canary set, latest weekly tracking", labelNames: ["tenant", "metric"] as const }),
    trackingRegression: m.gauge({ name: "rlhf_canary_tracking_regression", help: "1 when the served policy's figure on the canary set got worse than the previous week", labelNames: ["tenant", "metric"] as const }),
    intentPsi: m.gauge({ name: "rlhf_canary_intent_psi", help: "Population stability index of the intent mix, current week vs the baseline week", labelNames: ["tenant"] as const }),
    weekRate: m.gauge({ name: "rlhf_canary_week_rate", help: "Current week's rates: outcome rates, repeat-question rate", labelNames: ["tenant", "kind"] as const }),
    weekThumbsUp: m.gauge({ name: "rlhf_canary_week_thumbs_up_rate", help: "Current week's thumbs-up rate by segment", labelNames: ["tenant", "segment"] as const }),
    driftAlert: m.gauge({ name: "rlhf_canary_drift_alert", help: "1 while the current week is past a drift threshold", labelNames: ["tenant", "kind"] as const }),
    preferenceShare: m.gauge({ name: "rlhf_canary_preference_shaped_share", help: "Share of coded negative feedback that is preference-shaped (tone, format, policy, refusals)", labelNames: ["tenant"] as const }),
  };
}

export type CanaryMetrics = ReturnType<typeof canaryMetrics>;
