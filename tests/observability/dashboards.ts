/**
 * The Grafana dashboards, one per audience, as compact specs turned into Grafana's dashboard JSON
 * model (schemaVersion 39). `node --import tsx tests/observability/write-dashboards.ts` writes
 * infra/grafana/dashboards/*.json from here; dashboards.test.ts fails when the files and these
 * specs differ, and checks every query against the metrics the code defines.
 */

export type PanelType = "timeseries" | "stat" | "table";

export interface PanelSpec {
  title: string;
  description: string;
  type?: PanelType;
  /** Grid width (of 24) and height; defaults 8 x 8 (stat: 4 x 4). */
  w?: number;
  h?: number;
  unit?: string;
  min?: number;
  max?: number;
  stack?: boolean;
  /** Stat/table thresholds: [value, color] steps above the base green. */
  thresholds?: [number, string][];
  /** Value text for stat panels (e.g. 1 -> "promote"). */
  mappings?: { value: string; text: string; color: string }[];
  targets: { expr: string; legend?: string; instant?: boolean }[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  /** label_values(...) query. */
  query: string;
}

export interface DashboardSpec {
  file: string;
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: VariableSpec[];
  rows: RowSpec[];
}

const DS = { type: "prometheus", uid: "${datasource}" } as const;
const R = "$__rate_interval";

/**
 * Events counted over `w` by a labeled counter. A child series appears at its first increment and
 * increase() cannot see a series' first value, so a series born inside the window counts with its
 * value (as the alert rules do, see infra/prometheus/rules/bus.yml); the rest show their increase.
 */
const recent = (metric: string, w: string): string => `(increase(${metric}[${w}]) > 0 or (${metric} unless ${metric} offset ${w}) or increase(${metric}[${w}]))`;

// ---------------------------------------------------------------------------------------------
// Ingestion health: the SRE's view of the front door and the bus behind it.
const ingestion: DashboardSpec = {
  file: "ingestion-health.json",
  uid: "rlhf-ingestion-health",
  title: "rlhf-loop / Ingestion health",
  description: "The front door: events accepted and refused, errors and latency, persistence into Postgres, parked feedback, consumer lag and dead letters.",
  tags: ["rlhf-loop", "ingestion", "sre"],
  variables: [],
  rows: [
    {
      title: "Traffic",
      panels: [
        { title: "Events answered /s", description: "Events answered by the API, by kind and result (accepted or duplicate).", unit: "ops", stack: true, targets: [{ expr: `sum by (kind, result) (rate(rlhf_ingestion_events_total[${R}]))`, legend: "{{kind}} {{result}}" }] },
        { title: "Feedback accepted by kind and source /s", description: "Accepted feedback by feedback kind (thumb, rating, comparison, outcome) and source.", unit: "ops", stack: true, targets: [{ expr: `sum by (feedback_kind, source) (rate(rlhf_ingestion_events_total{kind!="interaction",result="accepted"}[${R}]))`, legend: "{{feedback_kind}} / {{source}}" }] },
        { title: "Refused before publishing /s", description: "Refusals by reason: wrong_tenant (403), rate_limited (429), idempotency_conflict (409).", unit: "ops", targets: [{ expr: `sum by (reason) (rate(rlhf_ingestion_rejected_events_total[${R}]))`, legend: "{{reason}}" }] },
      ],
    },
    {
      title: "Errors and latency",
      panels: [
        { title: "HTTP requests by status /s", description: "Every HTTP answer of ingestion, by status.", unit: "reqps", stack: true, targets: [{ expr: `sum by (status) (rate(rlhf_http_requests_total{service="ingestion"}[${R}]))`, legend: "{{status}}" }] },
        { title: "5xx share", description: "Share of HTTP answers with a 5xx status (alert RlhfIngestionErrors above 2% for 5 minutes).", unit: "percentunit", min: 0, targets: [{ expr: `service:rlhf_http_errors:ratio_rate5m{service="ingestion"}`, legend: "5xx share" }] },
        { title: "HTTP p99 latency by route", description: "p99 of request duration, by route (includes waiting for the broker acknowledgement).", unit: "s", targets: [{ expr: `histogram_quantile(0.99, sum by (route, le) (rate(rlhf_http_request_duration_seconds_bucket{service="ingestion"}[${R}])))`, legend: "{{route}}" }] },
        { title: "gRPC calls by code /s", description: "FeedbackIngest calls by method and status code.", unit: "reqps", w: 6, targets: [{ expr: `sum by (method, code) (rate(rlhf_grpc_requests_total{service="ingestion"}[${R}]))`, legend: "{{method}} {{code}}" }] },
        { title: "gRPC p99 latency by method", description: "p99 of FeedbackIngest call duration, by method.", unit: "s", w: 6, targets: [{ expr: `histogram_quantile(0.99, sum by (method, le) (rate(rlhf_grpc_request_duration_seconds_bucket{service="ingestion"}[${R}])))`, legend: "{{method}}" }] },
        { title: "Broker and ledger errors /s", description: "Publishes the broker did not acknowledge (answered 503) and idempotency ledger writes that failed.", unit: "ops", w: 6, targets: [{ expr: `sum(rate(rlhf_ingestion_produce_errors_total[${R}]))`, legend: "produce errors" }, { expr: `sum(rate(rlhf_ingestion_ledger_write_errors_total[${R}]))`, legend: "ledger write errors" }] },
        { title: "Coalesced batch size (p50)", description: "Requests or events sent in one round trip, by stage: larger batches under load mean the group commit works.", unit: "short", w: 6, targets: [{ expr: `histogram_quantile(0.5, sum by (stage, le) (rate(rlhf_ingestion_coalesced_batch_size_bucket[${R}])))`, legend: "{{stage}}" }] },
      ],
    },
    {
      title: "Persistence",
      panels: [
        { title: "Rows persisted /s", description: "Rows written to Postgres by the persisting consumer, by kind.", unit: "ops", stack: true, targets: [{ expr: `sum by (kind) (rate(rlhf_ingestion_persisted_total[${R}]))`, legend: "{{kind}}" }] },
        { title: "Accepted to stored, p99", description: "Time from acceptance to the row being written (alert RlhfIngestionPersistLag above 60 s).", unit: "s", targets: [{ expr: `histogram_quantile(0.99, sum by (kind, le) (rate(rlhf_ingestion_persist_lag_seconds_bucket[${R}])))`, legend: "{{kind}}" }] },
        { title: "Consumer lag (records)", description: "Records published but not yet committed by ingestion's persisting group, per topic (replicas de-duplicated).", unit: "short", targets: [{ expr: `service_group_topic:rlhf_bus_consumer_lag:sum{service="ingestion"}`, legend: "{{topic}}" }] },
        { title: "Parked feedback", description: "Feedback waiting for its interaction (alerts RlhfParkedFeedbackGrowing, RlhfParkedFeedbackStale).", unit: "short", targets: [{ expr: `max(rlhf_ingestion_parked_feedback)`, legend: "parked" }] },
        { title: "Oldest parked feedback", description: "Age of the oldest parked feedback.", unit: "s", targets: [{ expr: `max(rlhf_ingestion_parked_feedback_oldest_seconds)`, legend: "oldest" }] },
        { title: "Parked and joined /s", description: "Feedback parked, and parked feedback joined once its interaction arrived.", unit: "ops", targets: [{ expr: `sum(rate(rlhf_ingestion_feedback_parked_total[${R}]))`, legend: "parked" }, { expr: `sum(rate(rlhf_ingestion_feedback_joined_total[${R}]))`, legend: "joined" }] },
      ],
    },
    {
      title: "Bus and dead letters (all services)",
      panels: [
        { title: "Dead-lettered in the last hour", description: "Records sent to a .dlq topic, by service and source topic (alert RlhfDeadLetterGrowth).", unit: "short", targets: [{ expr: `service_topic:rlhf_bus_dead_lettered:increase1h`, legend: "{{service}} {{topic}}" }] },
        { title: "Published and consumed /s", description: "Records acknowledged by the broker, and records handled and committed, by service.", unit: "ops", targets: [{ expr: `sum by (service) (rate(rlhf_bus_published_total[${R}]))`, legend: "{{service}} published" }, { expr: `sum by (service) (rate(rlhf_bus_consumed_total[${R}]))`, legend: "{{service}} consumed" }] },
        { title: "Handler failures and publish errors /s", description: "Failed handler attempts (retried) and failed publish calls, by service.", unit: "ops", targets: [{ expr: `sum by (service) (rate(rlhf_bus_handler_failures_total[${R}]))`, legend: "{{service}} handler failures" }, { expr: `sum by (service) (rate(rlhf_bus_publish_errors_total[${R}]))`, legend: "{{service}} publish errors" }] },
      ],
    },
    {
      title: "Processes",
      panels: [
        { title: "Up", description: "1 while Prometheus scrapes the target (alert RlhfTargetDown).", type: "stat", w: 6, h: 6, thresholds: [[1, "green"]], targets: [{ expr: `up{job=~"rlhf.*"}`, legend: "{{job}}" }] },
        { title: "CPU (cores)", description: "Process CPU time per second, by service.", unit: "short", w: 6, h: 6, targets: [{ expr: `sum by (service) (rate(process_cpu_seconds_total{service!=""}[${R}]))`, legend: "{{service}}" }] },
        { title: "Resident memory", description: "Process resident memory, by service.", unit: "bytes", w: 6, h: 6, targets: [{ expr: `max by (service) (process_resident_memory_bytes{service!=""})`, legend: "{{service}}" }] },
        { title: "Event loop lag p99", description: "Node.js event loop delay, p99, by service.", unit: "s", w: 6, h: 6, targets: [{ expr: `max by (service) (nodejs_eventloop_lag_p99_seconds{service!=""})`, legend: "{{service}}" }] },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Labeling quality: the ML owner's and rater lead's view of the evidence that becomes pairs.
const labeling: DashboardSpec = {
  file: "labeling-quality.json",
  uid: "rlhf-labeling-quality",
  title: "rlhf-loop / Labeling quality",
  description: "From feedback to weighted preference pairs: what was applied or ignored, pairs by source, expert review, rater agreement, rubric changes and dataset snapshots.",
  tags: ["rlhf-loop", "labeling", "ml"],
  variables: [{ name: "tenant", label: "Tenant", query: "label_values(rlhf_labeling_audit_alpha, tenant)" }],
  rows: [
    {
      title: "Evidence in",
      panels: [
        { title: "Feedback consumed by result /s", description: "Feedback events by result: applied, ignored (with a reason), pending its interaction.", unit: "ops", stack: true, targets: [{ expr: `sum by (result) (rate(rlhf_labeling_feedback_total[${R}]))`, legend: "{{result}}" }] },
        { title: "Ignored feedback by reason /s", description: "Why feedback was not turned into evidence.", unit: "ops", targets: [{ expr: `sum by (reason) (rate(rlhf_labeling_feedback_total{result="ignored"}[${R}]))`, legend: "{{reason}}" }] },
        { title: "Canary-holdout evidence kept out /s", description: "Evidence on conversations held out for canary sets, by the stage that stopped it (it must never reach pairs).", unit: "ops", targets: [{ expr: `sum by (stage) (rate(rlhf_labeling_holdout_skipped_total[${R}]))`, legend: "{{stage}}" }] },
      ],
    },
    {
      title: "Pairs",
      panels: [
        { title: "Pairs built by source /h", description: "Preference pairs built, by source (thumbs, comparisons, outcomes, expert review).", unit: "short", stack: true, w: 6, targets: [{ expr: `source:rlhf_labeling_pairs:rate1h * 3600`, legend: "{{source}}" }] },
        { title: "Pairs published /s", description: "Pairs published on rlhf.pairs.v1 by the outbox.", unit: "ops", w: 6, targets: [{ expr: `sum(rate(rlhf_labeling_pairs_published_total[${R}]))`, legend: "published" }] },
        { title: "Pairs in the last snapshot", description: "Pairs in the last dataset snapshot stored, by origin.", unit: "short", w: 6, targets: [{ expr: `max by (origin) (rlhf_labeling_dataset_last_pairs)`, legend: "{{origin}}" }] },
        { title: "Snapshots stored (24 h)", description: "Dataset snapshots stored, by origin (feedback = built from the pairs; imported files keep their own origin).", type: "stat", w: 6, targets: [{ expr: `sum by (origin) ${recent("rlhf_labeling_dataset_snapshots_total", "24h")}`, legend: "{{origin}}" }] },
      ],
    },
    {
      title: "Expert review",
      panels: [
        { title: "Review candidates sampled /s", description: "Answer pairs considered for expert review, by stratum, and how many the draw sampled.", unit: "ops", w: 6, targets: [{ expr: `sum by (stratum) (rate(rlhf_labeling_review_candidates_total{sampled="true"}[${R}]))`, legend: "{{stratum}} sampled" }] },
        { title: "Review tasks created /h", description: "Review tasks created, by stratum.", unit: "short", w: 6, targets: [{ expr: `sum by (stratum) (rate(rlhf_labeling_review_tasks_total[1h])) * 3600`, legend: "{{stratum}}" }] },
        { title: "Open review tasks", description: "Review tasks waiting for judgments (alert RlhfReviewQueueBacklog above 500 for an hour).", unit: "short", w: 6, targets: [{ expr: `max(rlhf_labeling_review_tasks_open)`, legend: "open" }] },
        { title: "Judgments by result /s", description: "Judgments submitted: accepted, duplicate, rejected (paused rubric, invalid); and comparisons that arrived superseded.", unit: "ops", stack: true, w: 6, targets: [{ expr: `sum by (result) (rate(rlhf_labeling_judgments_total[${R}]))`, legend: "{{result}}" }, { expr: `sum(rate(rlhf_labeling_superseded_on_arrival_total[${R}]))`, legend: "superseded on arrival" }] },
      ],
    },
    {
      title: "Raters and rubric",
      panels: [
        { title: "Agreement (Krippendorff's alpha)", description: "Alpha of the last consistency audit, by tenant (alert RlhfRaterAgreementLow below 0.2).", unit: "none", min: -1, max: 1, targets: [{ expr: `max by (tenant) (rlhf_labeling_audit_alpha{tenant=~"$tenant"})`, legend: "{{tenant}}" }] },
        { title: "Raters flagged", description: "Raters down-weighted by the last audit, by tenant.", type: "stat", thresholds: [[1, "orange"]], w: 8, h: 8, targets: [{ expr: `max by (tenant) (rlhf_labeling_raters_flagged{tenant=~"$tenant"})`, legend: "{{tenant}}" }] },
        { title: "Paused rubric versions", description: "1 per (tenant, rubric version) while collection under it is paused by a newer version.", type: "stat", thresholds: [[1, "blue"]], w: 8, h: 8, targets: [{ expr: `max by (tenant, rubric_version) (rlhf_labeling_collection_paused{tenant=~"$tenant"})`, legend: "{{tenant}} {{rubric_version}}" }] },
        { title: "Rubric changes (24 h)", description: "Rubric versions published that paused a previous one.", type: "stat", targets: [{ expr: `sum by (tenant) ${recent(`rlhf_labeling_rubric_changes_total{tenant=~"$tenant"}`, "24h")}`, legend: "{{tenant}}" }] },
        { title: "Consumer lag (records)", description: "Records labeling's consumer group has not yet committed, per topic (replicas de-duplicated; alert RlhfConsumerLagHigh).", unit: "short", targets: [{ expr: `service_group_topic:rlhf_bus_consumer_lag:sum{service="labeling"}`, legend: "{{group}} {{topic}}" }] },
        { title: "Dead letters (1 h)", description: "Records labeling sent to a DLQ in the last hour, by source topic.", unit: "short", targets: [{ expr: `service_topic:rlhf_bus_dead_lettered:increase1h{service="labeling"}`, legend: "{{topic}}" }] },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Training runs: reward models and RL, for the ML owner.
const training: DashboardSpec = {
  file: "training-runs.json",
  uid: "rlhf-training-runs",
  title: "rlhf-loop / Training runs (reward + RL)",
  description: "Reward models (held-out accuracy, proxy diagnostics, the served model) and RL runs (reward, KL, entropy, answer shape, guardrail stops, checkpoints, promotions).",
  tags: ["rlhf-loop", "reward", "rl", "ml"],
  variables: [{ name: "model_id", label: "Reward model", query: "label_values(rlhf_reward_heldout_accuracy, model_id)" }],
  rows: [
    {
      title: "Reward models",
      panels: [
        { title: "Served reward model", description: "The model being served (1).", type: "stat", w: 6, h: 6, targets: [{ expr: `max by (model_id) (rlhf_reward_serving_model) == 1`, legend: "{{model_id}}", instant: true }] },
        { title: "Held-out accuracy with 95% interval", description: "Held-out pairwise accuracy of each model (value, and the bootstrap interval's lo and hi).", unit: "percentunit", min: 0.4, max: 1, w: 10, h: 6, targets: [{ expr: `max by (model_id, bound) (rlhf_reward_heldout_accuracy{model_id=~"$model_id"})`, legend: "{{model_id}} {{bound}}" }] },
        { title: "Training runs (24 h)", description: "Reward training runs by result (alert RlhfRewardTrainingFailed).", type: "stat", w: 8, h: 6, targets: [{ expr: `sum by (result) ${recent("rlhf_reward_training_runs_total", "24h")}`, legend: "{{result}}" }] },
        { title: "Diagnostics flagged", description: "Checks past their threshold, per model (proxy checks: length_rule_accuracy, spearman_*, length_margin; alert RlhfRewardProxyCheckFailed).", type: "table", w: 12, h: 8, targets: [{ expr: `max by (model_id, check) (rlhf_reward_diagnostic_flagged{model_id=~"$model_id"})`, instant: true }] },
        { title: "Diagnostic values", description: "Value of each diagnostics check (Spearman rho, length-rule accuracy, twin margin in SDs, calibration error).", unit: "none", w: 12, h: 8, targets: [{ expr: `max by (model_id, check) (rlhf_reward_diagnostic_value{model_id=~"$model_id"})`, legend: "{{model_id}} {{check}}" }] },
        { title: "Accuracy by evidence source", description: "Held-out pairwise accuracy by source of the pair.", unit: "percentunit", min: 0, max: 1, w: 6, targets: [{ expr: `max by (model_id, source) (rlhf_reward_heldout_accuracy_by_source{model_id=~"$model_id"})`, legend: "{{model_id}} {{source}}" }] },
        { title: "Training duration p95", description: "Duration of a reward training run.", unit: "s", w: 6, targets: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(rlhf_reward_training_seconds_bucket[1h])))`, legend: "p95" }] },
        { title: "Scoring calls and rows /s", description: "gRPC Score/ScoreBatch calls per second by method (RL runs and the canary use these), and rows scored through HTTP get_reward (rlhf_reward_scored_rows_total counts the HTTP API only).", unit: "ops", w: 6, targets: [{ expr: `sum by (method) (rate(rlhf_grpc_requests_total{service="reward",method=~".*Score.*"}[${R}]))`, legend: "{{method}} calls" }, { expr: `sum by (api) (rate(rlhf_reward_scored_rows_total[${R}]))`, legend: "{{api}} rows" }] },
        { title: "Event loop delay p99", description: "p99 event loop delay of the reward service (scoring runs in worker threads; alert RlhfRewardEventLoopBlocked above 100 ms).", unit: "s", w: 6, targets: [{ expr: `max(rlhf_reward_event_loop_delay_p99_seconds)`, legend: "p99" }] },
      ],
    },
    {
      title: "RL runs",
      panels: [
        { title: "Runs active", description: "RL runs executing now.", type: "stat", w: 4, h: 6, targets: [{ expr: `sum(rlhf_rl_runs_active)`, legend: "active" }] },
        { title: "Steps /min", description: "RL steps taken per minute.", unit: "short", w: 6, h: 6, targets: [{ expr: `sum(rate(rlhf_rl_steps_total[${R}])) * 60`, legend: "steps/min" }] },
        { title: "Step time p95", description: "Seconds per RL step.", unit: "s", w: 6, h: 6, targets: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(rlhf_rl_step_seconds_bucket[${R}])))`, legend: "p95" }] },
        { title: "Guardrail stops and checkpoints (24 h)", description: "Runs stopped by a guardrail, by reason (alerts RlhfRlKlBudgetExceeded, RlhfRlShapeDrift), and checkpoints stored.", type: "stat", w: 8, h: 6, targets: [{ expr: `sum by (reason) ${recent("rlhf_rl_guardrail_stops_total", "24h")}`, legend: "stopped: {{reason}}" }, { expr: `sum(increase(rlhf_rl_checkpoints_total[24h]))`, legend: "checkpoints" }] },
        { title: "Reward and gold", description: "Mean reward-model score and (simulated product) mean gold utility of the last step: reward rising while gold falls is reward hacking.", unit: "none", targets: [{ expr: `max(rlhf_rl_reward_mean)`, legend: "reward" }, { expr: `max(rlhf_rl_gold_mean)`, legend: "gold" }] },
        { title: "KL to the reference and beta", description: "Mean sequence KL to the reference (nats) and the KL coefficient of the last step.", unit: "none", targets: [{ expr: `max(rlhf_rl_kl)`, legend: "KL (nats)" }, { expr: `max(rlhf_rl_beta)`, legend: "beta" }] },
        { title: "Entropy", description: "Mean per-token entropy of the last step (collapse shows as a fall).", unit: "none", targets: [{ expr: `max(rlhf_rl_entropy)`, legend: "entropy" }] },
        { title: "Answer length (words)", description: "Mean answer length of the last step.", unit: "short", w: 6, targets: [{ expr: `max(rlhf_rl_answer_length_words)`, legend: "words" }] },
        { title: "Answer shape rates", description: "Refusal, hedge and disclaimer rates of the last step.", unit: "percentunit", min: 0, max: 1, w: 6, targets: [{ expr: `max by (kind) (rlhf_rl_shape_rate)`, legend: "{{kind}}" }] },
        { title: "Reference perplexity", description: "Held-out perplexity of the last fitted reference.", unit: "short", w: 6, targets: [{ expr: `max(rlhf_rl_reference_perplexity)`, legend: "perplexity" }] },
        { title: "Tokens sampled /s", description: "Answer tokens sampled by RL per second.", unit: "ops", w: 6, targets: [{ expr: `sum(rate(rlhf_rl_tokens_sampled_total[${R}]))`, legend: "tokens/s" }] },
      ],
    },
    {
      title: "Policy serving",
      panels: [
        { title: "Answers generated /s", description: "Answers sampled by Generate and GenerateBatch.", unit: "ops", targets: [{ expr: `sum by (method) (rate(rlhf_policy_generated_answers_total[${R}]))`, legend: "{{method}}" }] },
        { title: "Generate latency p99", description: "p99 of Generate and GenerateBatch (alert RlhfPolicyGenerateSlow above 1 s).", unit: "s", targets: [{ expr: `histogram_quantile(0.99, sum by (le) (rate(rlhf_policy_generate_seconds_bucket[${R}])))`, legend: "Generate" }, { expr: `histogram_quantile(0.99, sum by (le) (rate(rlhf_policy_generate_batch_seconds_bucket[${R}])))`, legend: "GenerateBatch" }] },
        { title: "Canary reports and promotions (24 h)", description: "Canary reports the trainer consumed, by decision, and promotions it applied as a tenant's served policy.", type: "stat", targets: [{ expr: `sum by (decision) ${recent("rlhf_rl_canary_reports_total", "24h")}`, legend: "{{decision}}" }, { expr: `sum ${recent("rlhf_rl_promotions_total", "24h")}`, legend: "promotions" }] },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Canary and drift: the promotion gate and production watch, for the ML owner and on-call.
const decision = [
  { value: "1", text: "promote", color: "green" },
  { value: "0", text: "hold", color: "orange" },
  { value: "-1", text: "reject", color: "red" },
];
const canary: DashboardSpec = {
  file: "canary-drift.json",
  uid: "rlhf-canary-drift",
  title: "rlhf-loop / Canary and drift",
  description: "The promotion gate (candidate vs production on the canary set, with 95% intervals), shape shifts, regressions, and production drift week over week.",
  tags: ["rlhf-loop", "canary", "drift", "ml"],
  variables: [{ name: "tenant", label: "Tenant", query: "label_values(rlhf_canary_last_decision, tenant)" }],
  rows: [
    {
      title: "Gate",
      panels: [
        { title: "Last decision", description: "Last gate decision per tenant: promote, hold or reject (alert RlhfCanaryGateFailed on hold or reject).", type: "stat", w: 6, h: 6, mappings: decision, targets: [{ expr: `max by (tenant) (rlhf_canary_last_decision{tenant=~"$tenant"})`, legend: "{{tenant}}" }] },
        { title: "Runs by decision (24 h)", description: "Canary runs finished, by decision (failed = the run could not finish; alert RlhfCanaryRunsFailing).", type: "stat", w: 6, h: 6, targets: [{ expr: `sum by (decision) ${recent(`rlhf_canary_runs_total{tenant=~"$tenant"}`, "24h")}`, legend: "{{decision}}" }] },
        { title: "Run progress", description: "Progress of the running canary run's current stage.", unit: "percentunit", min: 0, max: 1, w: 6, h: 6, targets: [{ expr: `max by (stage) (rlhf_canary_run_progress_ratio)`, legend: "{{stage}}" }] },
        { title: "Run duration p95", description: "Seconds per canary run.", unit: "s", w: 6, h: 6, targets: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(rlhf_canary_run_seconds_bucket[6h])))`, legend: "p95" }] },
        { title: "Candidate minus production (95% interval)", description: "Last run's difference per metric with its bootstrap interval: an interval entirely below 0 on a hard check is a regression.", unit: "none", w: 12, targets: [{ expr: `max by (metric) (rlhf_canary_metric_delta{tenant=~"$tenant"})`, legend: "{{metric}}" }, { expr: `max by (metric) (rlhf_canary_metric_delta_low{tenant=~"$tenant"})`, legend: "{{metric}} low" }, { expr: `max by (metric) (rlhf_canary_metric_delta_high{tenant=~"$tenant"})`, legend: "{{metric}} high" }] },
        { title: "Candidate vs production", description: "Last run's figure for the candidate and production, per metric.", unit: "none", w: 12, targets: [{ expr: `max by (metric) (rlhf_canary_metric_candidate{tenant=~"$tenant"})`, legend: "candidate {{metric}}" }, { expr: `max by (metric) (rlhf_canary_metric_production{tenant=~"$tenant"})`, legend: "production {{metric}}" }] },
        { title: "Shape shifted everywhere", description: "1 when the last run saw this shape measure shift in most intents at once: a reward-model preference leaking into every answer (alert RlhfCanaryShapeDriftEverywhere).", type: "stat", thresholds: [[1, "red"]], targets: [{ expr: `max by (tenant, metric) (rlhf_canary_shape_shift_everywhere{tenant=~"$tenant"})`, legend: "{{tenant}} {{metric}}" }] },
        { title: "Regressions", description: "1 when the last run rejected or held for this reason (alert RlhfCanaryRegression).", type: "stat", thresholds: [[1, "red"]], targets: [{ expr: `max by (tenant, reason) (rlhf_canary_regression{tenant=~"$tenant"})`, legend: "{{tenant}} {{reason}}" }] },
        { title: "Canary set and held-out traffic", description: "Tasks in the current canary set, and held-out interactions stored per hour.", unit: "short", targets: [{ expr: `max by (tenant) (rlhf_canary_set_tasks{tenant=~"$tenant"})`, legend: "{{tenant}} set tasks" }, { expr: `sum by (tenant) (rate(rlhf_canary_traffic_held_out_total{tenant=~"$tenant"}[1h])) * 3600`, legend: "{{tenant}} held out /h" }] },
      ],
    },
    {
      title: "Production drift",
      panels: [
        { title: "Intent mix PSI", description: "Population stability index of the intent mix, this week vs the baseline week (alert RlhfIntentDrift).", unit: "none", min: 0, targets: [{ expr: `max by (tenant) (rlhf_canary_intent_psi{tenant=~"$tenant"})`, legend: "{{tenant}}" }] },
        { title: "Drift alerts", description: "1 while the current week is past a drift threshold, by kind (alerts RlhfIntentDrift, RlhfProductionDrift).", type: "stat", thresholds: [[1, "red"]], targets: [{ expr: `max by (tenant, kind) (rlhf_canary_drift_alert{tenant=~"$tenant"})`, legend: "{{tenant}} {{kind}}" }] },
        { title: "Promotions (7 d)", description: "Checkpoints promoted to serve a tenant.", type: "stat", targets: [{ expr: `sum by (tenant) ${recent(`rlhf_canary_promotions_total{tenant=~"$tenant"}`, "7d")}`, legend: "{{tenant}}" }] },
        { title: "This week's outcome rates", description: "Escalation, refund, reopen and repeat-question rates of the current week.", unit: "percentunit", min: 0, targets: [{ expr: `max by (tenant, kind) (rlhf_canary_week_rate{tenant=~"$tenant"})`, legend: "{{tenant}} {{kind}}" }] },
        { title: "This week's thumbs-up rate by segment", description: "Thumbs-up share of votes, by customer segment.", unit: "percentunit", min: 0, max: 1, targets: [{ expr: `max by (tenant, segment) (rlhf_canary_week_thumbs_up_rate{tenant=~"$tenant"})`, legend: "{{tenant}} {{segment}}" }] },
        { title: "Served policy on the canary set (weekly)", description: "The served policy's figures when weekly tracking re-runs the canary set on production.", unit: "none", targets: [{ expr: `max by (tenant, metric) (rlhf_canary_tracking_value{tenant=~"$tenant"})`, legend: "{{tenant}} {{metric}}" }] },
        { title: "Served policy regressed on the canary set", description: "1 when a figure got worse than the previous week's tracking (alert RlhfProductionRegressedOnCanarySet).", type: "stat", thresholds: [[1, "red"]], targets: [{ expr: `max by (tenant, metric) (rlhf_canary_tracking_regression{tenant=~"$tenant"})`, legend: "{{tenant}} {{metric}}" }] },
        { title: "Preference-shaped share of complaints", description: "Share of coded negative feedback that is preference-shaped (tone, format, policy, refusals): high means RLHF fits the problem.", unit: "percentunit", min: 0, max: 1, targets: [{ expr: `max by (tenant) (rlhf_canary_preference_shaped_share{tenant=~"$tenant"})`, legend: "{{tenant}}" }] },
      ],
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [ingestion, labeling, training, canary];

// ---------------------------------------------------------------------------------------------
// The Grafana JSON model.

function panelJson(p: PanelSpec, id: number, gridPos: { h: number; w: number; x: number; y: number }): Record<string, unknown> {
  const type = p.type ?? "timeseries";
  const steps = [{ color: "green", value: null as number | null }, ...(p.thresholds ?? []).map(([value, color]) => ({ color, value }))];
  const defaults: Record<string, unknown> = {
    unit: p.unit ?? (type === "stat" ? "none" : "short"),
    thresholds: { mode: "absolute", steps },
    mappings: p.mappings ? [{ type: "value", options: Object.fromEntries(p.mappings.map((m, i) => [m.value, { text: m.text, color: m.color, index: i }])) }] : [],
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
  };
  if (type === "timeseries") {
    defaults["color"] = { mode: "palette-classic" };
    defaults["custom"] = { drawStyle: "line", lineWidth: 1, fillOpacity: p.stack ? 30 : 10, showPoints: "never", spanNulls: false, stacking: { mode: p.stack ? "normal" : "none", group: "A" } };
  } else if (type === "stat") {
    defaults["color"] = { mode: "thresholds" };
  }
  const options: Record<string, unknown> =
    type === "timeseries"
      ? { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } }
      : type === "stat"
        ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "background", graphMode: "none", justifyMode: "auto", orientation: "auto", textMode: "value_and_name" }
        : { showHeader: true, cellHeight: "sm", footer: { show: false, reducer: ["sum"], countRows: false } };
  return {
    id,
    type,
    title: p.title,
    description: p.description,
    datasource: DS,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    ...(type === "table" ? { transformations: [{ id: "organize", options: { excludeByName: { Time: true } } }] } : {}),
    targets: p.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      editorMode: "code",
      expr: t.expr,
      legendFormat: t.legend ?? "__auto",
      range: !(t.instant ?? type === "table"),
      instant: t.instant ?? type === "table",
      ...(type === "table" ? { format: "table" } : {}),
    })),
  };
}

/** Grafana's dashboard JSON for a spec: rows across the full width, panels wrapped at 24 columns. */
export function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of d.rows) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowH = 0;
    for (const p of row.panels) {
      const w = p.w ?? 8;
      const h = p.h ?? (p.type === "stat" ? 6 : 8);
      if (x + w > 24) {
        y += rowH;
        x = 0;
        rowH = 0;
      }
      panels.push(panelJson(p, id++, { h, w, x, y }));
      x += w;
      rowH = Math.max(rowH, h);
    }
    y += rowH;
  }
  const templating = [
    { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, regex: "", options: [] },
    ...d.variables.map((v) => ({
      name: v.name,
      label: v.label,
      type: "query",
      datasource: DS,
      definition: v.query,
      query: { query: v.query, refId: "PrometheusVariableQueryEditor-VariableQuery" },
      includeAll: true,
      allValue: ".*",
      multi: true,
      current: {},
      refresh: 2,
      sort: 1,
      hide: 0,
      options: [],
      regex: "",
    })),
  ];
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: d.tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    timezone: "browser",
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [{ title: "rlhf-loop", type: "dashboards", tags: ["rlhf-loop"], asDropdown: true, includeVars: true, keepTime: true }],
    annotations: {
      list: [
        { builtIn: 1, datasource: { type: "grafana", uid: "-- Grafana --" }, enable: true, hide: true, iconColor: "rgba(0, 211, 255, 1)", name: "Annotations & Alerts", type: "dashboard" },
      ],
    },
    templating: { list: templating },
    panels,
  };
}

/** The file text written for a spec (2-space JSON with a trailing newline). */
export function dashboardText(d: DashboardSpec): string {
  return `${JSON.stringify(dashboardJson(d), null, 2)}\n`;
}
