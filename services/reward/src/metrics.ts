// The service's rlhf_reward_* series. Diagnostics of every registered model are exported as gauges,
// and the event loop's delay is sampled so scoring under load can be checked not to block it.
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Metrics } from "@rlhf-loop/kit";
import type { DiagnosticsReport } from "./diagnostics/diagnostics.js";

export function rewardMetrics(metrics: Metrics) {
  const accuracy = metrics.gauge({ name: "rlhf_reward_heldout_accuracy", help: "Held-out pairwise accuracy of a reward model (bound: value, lo, hi of the bootstrap 95% interval)", labelNames: ["model_id", "bound"] as const });
  const check = metrics.gauge({ name: "rlhf_reward_diagnostic_value", help: "Value of each diagnostics check of a reward model", labelNames: ["model_id", "check"] as const });
  const flagged = metrics.gauge({ name: "rlhf_reward_diagnostic_flagged", help: "1 when a diagnostics check is past its threshold", labelNames: ["model_id", "check"] as const });
  const bySource = metrics.gauge({ name: "rlhf_reward_heldout_accuracy_by_source", help: "Held-out pairwise accuracy by evidence source", labelNames: ["model_id", "source"] as const });
  const runs = metrics.counter({ name: "rlhf_reward_training_runs_total", help: "Training runs by result", labelNames: ["result"] as const });
  const trainSeconds = metrics.histogram({ name: "rlhf_reward_training_seconds", help: "Duration of a training run", buckets: [1, 5, 15, 30, 60, 120, 300, 900] });
  const rows = metrics.counter({ name: "rlhf_reward_scored_rows_total", help: "Rows scored, by API", labelNames: ["api"] as const });
  const serving = metrics.gauge({ name: "rlhf_reward_serving_model", help: "1 for the model being served", labelNames: ["model_id"] as const });
  const loopDelay = metrics.gauge({ name: "rlhf_reward_event_loop_delay_p99_seconds", help: "p99 event loop delay since the last scrape" });
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    rows,
    runs,
    trainSeconds,
    /** p99 delay (seconds) since the last call; resets the histogram. */
    sampleLoopDelay(): number {
      const v = h.percentile(99) / 1e9;
      h.reset();
      loopDelay.set(v);
      return v;
    },
    stopLoopMonitor(): void {
      h.disable();
    },
    setServing(prev: string | undefined, next: string): void {
      if (prev) serving.set({ model_id: prev }, 0);
      serving.set({ model_id: next }, 1);
    },
    exportReport(modelId: string, r: DiagnosticsReport): void {
      accuracy.set({ model_id: modelId, bound: "value" }, r.accuracy.value);
      accuracy.set({ model_id: modelId, bound: "lo" }, r.accuracy.lo);
      accuracy.set({ model_id: modelId, bound: "hi" }, r.accuracy.hi);
      for (const [s, i] of Object.entries(r.bySource)) bySource.set({ model_id: modelId, source: s }, i.value);
      for (const c of r.checks) {
        if (Number.isFinite(c.value)) check.set({ model_id: modelId, check: c.name }, c.value);
        flagged.set({ model_id: modelId, check: c.name }, c.flagged ? 1 : 0);
      }
    },
  };
}

export type RewardMetrics = ReturnType<typeof rewardMetrics>;
