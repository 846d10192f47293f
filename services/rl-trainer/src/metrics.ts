// Prometheus series of the RL trainer (bounded labels only: no run ids).
import type { Metrics } from "@rlhf-loop/kit";

export function rlMetrics(m: Metrics) {
  return {
    steps: m.counter({ name: "rlhf_rl_steps_total", help: "RL steps taken" }),
    tokens: m.counter({ name: "rlhf_rl_tokens_sampled_total", help: "Answer tokens sampled by RL" }),
    checkpoints: m.counter({ name: "rlhf_rl_checkpoints_total", help: "Policy checkpoints stored and announced" }),
    guardrailStops: m.counter({ name: "rlhf_rl_guardrail_stops_total", help: "Runs stopped by a guardrail", labelNames: ["reason"] as const }),
    runsActive: m.gauge({ name: "rlhf_rl_runs_active", help: "RL runs executing now" }),
    stepSeconds: m.histogram({ name: "rlhf_rl_step_seconds", help: "Seconds per RL step", buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30] }),
    reward: m.gauge({ name: "rlhf_rl_reward_mean", help: "Mean reward-model score of the last step" }),
    kl: m.gauge({ name: "rlhf_rl_kl", help: "Mean sequence KL to the reference of the last step (nats)" }),
    beta: m.gauge({ name: "rlhf_rl_beta", help: "KL coefficient of the last step" }),
    entropy: m.gauge({ name: "rlhf_rl_entropy", help: "Mean per-token entropy of the last step" }),
    length: m.gauge({ name: "rlhf_rl_answer_length_words", help: "Mean answer length of the last step" }),
    rates: m.gauge({ name: "rlhf_rl_shape_rate", help: "Refusal / hedge / disclaimer rate of the last step", labelNames: ["kind"] as const }),
    gold: m.gauge({ name: "rlhf_rl_gold_mean", help: "Mean gold utility of the last step (simulated product only)" }),
    referencePerplexity: m.gauge({ name: "rlhf_rl_reference_perplexity", help: "Held-out perplexity of the last fitted reference" }),
    canaryReports: m.counter({ name: "rlhf_rl_canary_reports_total", help: "Canary reports consumed, by decision", labelNames: ["decision"] as const }),
    promotions: m.counter({ name: "rlhf_rl_promotions_total", help: "Canary promotions applied as a tenant's served policy (replays and older reports excluded)", labelNames: ["tenant"] as const }),
    generateAnswers: m.counter({ name: "rlhf_policy_generated_answers_total", help: "Answers sampled by Generate and GenerateBatch", labelNames: ["method"] as const }),
    generateBatchSeconds: m.histogram({ name: "rlhf_policy_generate_batch_seconds", help: "GenerateBatch latency", buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] }),
    generateSeconds: m.histogram({ name: "rlhf_policy_generate_seconds", help: "Generate latency", buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2] }),
  };
}

export type RlMetrics = ReturnType<typeof rlMetrics>;
