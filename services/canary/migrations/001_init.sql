-- The canary's own tables (schema given by the migration runner). Nothing here is read by another service.

-- Held-out traffic (isCanaryHoldout): the pool canary sets are sampled from.
create table if not exists traffic (
  tenant_id text not null,
  interaction_id text not null,
  conversation_id text not null default '',
  intent text not null default 'unknown',
  segment text not null default '',
  purpose text not null default 'chat',
  prompt text not null,
  answer text not null,
  occurred_at timestamptz,
  primary key (tenant_id, interaction_id)
);
create index if not exists traffic_tenant_time on traffic (tenant_id, occurred_at);

-- Expert comparisons on held-out interactions (the other answer is looked up in traffic).
create table if not exists expert_comparisons (
  tenant_id text not null,
  feedback_id text not null,
  interaction_id text not null,
  other_interaction_id text not null,
  -- 'this' | 'other' | 'tie'
  choice text not null,
  rater_id text not null default '',
  rubric_version text not null default '',
  primary key (tenant_id, feedback_id)
);

create table if not exists canary_sets (
  set_id text primary key,
  tenant_id text not null,
  version int not null,
  source text not null,
  created_at timestamptz not null default now(),
  tasks jsonb not null,
  unique (tenant_id, version)
);

-- Checkpoints announced on rlhf.policies.v1.
create table if not exists policies (
  policy_version text primary key,
  tenant_id text not null,
  run_id text not null default '',
  reward_model_id text not null default '',
  final boolean not null default false,
  created_at timestamptz,
  -- Set when a trainer guardrail stopped the run this final checkpoint ends.
  stop_reason text not null default '',
  stop_detail text not null default ''
);

-- One canary run per (tenant, candidate, set); the doc is the full report once done.
create table if not exists reports (
  report_id text primary key,
  tenant_id text not null,
  candidate_version text not null,
  canary_set_id text not null,
  production_version text not null default '',
  reward_model_id text not null default '',
  run_id text not null default '',
  -- 'queued' | 'running' | 'done' | 'failed'
  status text not null,
  stage text not null default '',
  done int not null default 0,
  total int not null default 0,
  error text not null default '',
  decision text not null default '',
  doc jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, candidate_version, canary_set_id)
);

-- The tenant's served policy: the last PROMOTE.
create table if not exists serving (
  tenant_id text primary key,
  policy_version text not null,
  report_id text not null,
  promoted_at timestamptz not null
);

-- Weekly aggregates of live traffic (watch/), merged as events arrive.
create table if not exists weeks (
  tenant_id text not null,
  week_start date not null,
  aggregate jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, week_start)
);

-- Events already folded into weeks (claimed in the same transaction as the merge: counted once).
create table if not exists watched_events (
  event_key text primary key,
  seen_at timestamptz not null default now()
);

-- Weekly tracking of the served policy on the tenant's canary set (one point per week and set).
create table if not exists tracking (
  tenant_id text not null,
  week_start date not null,
  set_id text not null,
  point jsonb not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, week_start, set_id)
);
