-- Schema `reward` (the runner sets search_path; names here stay unqualified).

-- The model registry. Artifacts are the self-contained ONNX files (plus tokenizer.json for brought
-- HF models); metrics hold the full diagnostics report the approval decision was made on.
create table reward_models (
  model_id           text primary key,
  tenant_id          text not null default '',
  dataset_id         text not null,
  kind               text not null check (kind in ('compact', 'hf')),
  status             text not null check (status in ('candidate', 'approved', 'retired')),
  config             jsonb not null,
  metrics            jsonb not null,
  diagnostics_passed boolean not null,
  artifact           bytea not null,
  artifact_sha256    text not null check (artifact_sha256 ~ '^[0-9a-f]{64}$'),
  tokenizer          text,
  train_pairs        bigint not null default 0,
  held_out_pairs     bigint not null default 0,
  created_at         timestamptz not null default now(),
  status_changed_at  timestamptz not null default now()
);

-- At most one approved (served) model per tenant.
create unique index reward_models_one_approved on reward_models (tenant_id) where status = 'approved';

-- Automatic training runs per announced snapshot, so a redelivered announcement trains once.
create table training_runs (
  dataset_id  text primary key,
  tenant_id   text not null default '',
  -- End of the snapshot's evidence window: pointwise labels after it are left for the next run.
  evidence_to timestamptz,
  status      text not null check (status in ('queued', 'running', 'done', 'failed')),
  model_id    text,
  error       text,
  started_at  timestamptz not null default now(),
  finished_at timestamptz
);

-- Unpaired evidence for the pointwise loss, consumed from rlhf.interactions.v1 / rlhf.feedback.v1.
create table interactions (
  interaction_id text primary key,
  tenant_id      text not null,
  prompt         text not null,
  answer         text not null,
  segment        text not null default '',
  occurred_at    timestamptz not null
);

create table answer_labels (
  evidence_id    text primary key,
  interaction_id text not null,
  tenant_id      text not null,
  -- thumbs | outcomes | expert (feedback source grouped the way diagnostics report it)
  source         text not null,
  label          real not null check (label >= 0 and label <= 1),
  weight         real not null check (weight >= 0),
  occurred_at    timestamptz not null
);
create index answer_labels_interaction on answer_labels (interaction_id);
