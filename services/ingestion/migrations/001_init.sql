-- Schema `ingestion` (the runner sets search_path; names here stay unqualified).

-- Tenants and their API keys. Keys are stored as sha256 hashes only.
create table tenants (
  tenant_id    text primary key check (tenant_id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name         text not null default '',
  -- null: the service-wide default limit
  rate_per_sec integer check (rate_per_sec > 0),
  burst        integer check (burst > 0),
  created_at   timestamptz not null default now(),
  disabled_at  timestamptz
);

create table api_keys (
  key_hash   text primary key check (key_hash ~ '^[0-9a-f]{64}$'),
  tenant_id  text not null references tenants (tenant_id),
  key_prefix text not null,
  label      text not null default '',
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index api_keys_tenant on api_keys (tenant_id);

-- The idempotency ledger: every event the API acknowledged (broker ack), by tenant and key.
-- A retry finds its first answer here; a reused key with other content is refused (409).
create table accepted_events (
  tenant_id       text not null,
  idempotency_key text not null,
  event_id        uuid not null,
  kind            text not null check (kind in ('interaction', 'feedback', 'outcome')),
  interaction_id  text not null,
  fingerprint     text not null,
  accepted_at     timestamptz not null default now(),
  primary key (tenant_id, idempotency_key)
);
-- One interaction id per tenant, whatever key it came with.
create unique index accepted_events_interaction on accepted_events (tenant_id, interaction_id) where kind = 'interaction';

-- What the persisting consumer stores. Every row carries its tenant.
create table interactions (
  tenant_id        text not null,
  interaction_id   text not null,
  event_id         uuid not null,
  idempotency_key  text not null,
  conversation_id  text not null default '',
  turn_index       integer not null default 0,
  prompt           jsonb not null,
  prompt_hash      text not null,
  answer           text not null,
  model_version    text not null default '',
  segment          text not null default '',
  metadata         jsonb not null default '{}',
  regenerated_from text not null default '',
  occurred_at      timestamptz not null,
  received_at      timestamptz not null,
  stored_at        timestamptz not null default now(),
  primary key (tenant_id, interaction_id),
  unique (tenant_id, event_id)
);
create index interactions_prompt_hash on interactions (tenant_id, prompt_hash);

-- Feedback and outcomes, only ever tied to a stored interaction (foreign key).
create table feedback (
  tenant_id       text not null,
  feedback_id     uuid not null,
  interaction_id  text not null,
  idempotency_key text not null,
  kind            text not null check (kind in ('thumb', 'rating', 'comparison', 'outcome')),
  source          text not null,
  rater_id        text not null default '',
  reason_codes    text[] not null default '{}',
  rubric_version  text not null default '',
  comment         text not null default '',
  -- the kind's own fields, proto3 JSON (e.g. {"direction":"THUMB_DIRECTION_UP"})
  detail          jsonb not null,
  occurred_at     timestamptz not null,
  received_at     timestamptz not null,
  -- set when it arrived before its interaction and waited in parked_feedback
  parked_at       timestamptz,
  stored_at       timestamptz not null default now(),
  primary key (tenant_id, feedback_id),
  unique (tenant_id, idempotency_key),
  foreign key (tenant_id, interaction_id) references interactions (tenant_id, interaction_id)
);
create index feedback_interaction on feedback (tenant_id, interaction_id);

-- Feedback whose interaction has not arrived yet; moved into feedback when it does.
create table parked_feedback (
  tenant_id       text not null,
  feedback_id     uuid not null,
  interaction_id  text not null,
  idempotency_key text not null,
  kind            text not null,
  source          text not null,
  rater_id        text not null default '',
  reason_codes    text[] not null default '{}',
  rubric_version  text not null default '',
  comment         text not null default '',
  detail          jsonb not null,
  occurred_at     timestamptz not null,
  received_at     timestamptz not null,
  parked_at       timestamptz not null default now(),
  primary key (tenant_id, feedback_id)
);
create index parked_feedback_interaction on parked_feedback (tenant_id, interaction_id);
