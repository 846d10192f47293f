-- rl_trainer: runs, checkpoints with lineage, per-step stats, the reward models announced, and
-- logged answers (from rlhf.interactions.v1) that references are fitted on.
create table runs (
  run_id text primary key,
  tenant_id text not null,
  status text not null,
  reward_model_id text not null,
  reference_id text not null default '',
  dataset_id text not null default '',
  config_json jsonb not null,
  steps_done integer not null default 0,
  stop_reason text not null default '',
  stop_detail text not null default '',
  policy_version text not null default '',
  error text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Reference policies: fitted weights plus vocabulary, frozen.
create table references_ (
  reference_id text primary key,
  dataset_id text not null,
  model_json jsonb not null,
  checkpoint bytea not null,
  held_out_perplexity double precision not null,
  created_at timestamptz not null default now()
);

create table checkpoints (
  policy_version text primary key,
  run_id text not null references runs(run_id),
  parent_version text not null default '',
  step integer not null,
  reference_id text not null,
  reward_model_id text not null,
  dataset_id text not null,
  config_json jsonb not null,
  beta double precision not null,
  checkpoint bytea not null,
  sha256 text not null,
  final boolean not null default false,
  created_at timestamptz not null default now(),
  unique (run_id, step)
);

create table step_stats (
  run_id text not null references runs(run_id),
  step integer not null,
  stats jsonb not null,
  created_at timestamptz not null default now(),
  primary key (run_id, step)
);

create table reward_models (
  model_id text primary key,
  tenant_id text not null,
  status text not null,
  updated_at timestamptz not null default now()
);

create table logged_answers (
  interaction_id text primary key,
  tenant_id text not null,
  prompt text not null,
  answer text not null,
  canary boolean not null default false,
  occurred_at timestamptz
);
