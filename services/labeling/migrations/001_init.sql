-- Schema `labeling` (the runner sets search_path; names here stay unqualified).
-- Labeling keeps its own copies of what it consumes; it never reads ingestion's tables.

-- Answers (interactions) as consumed from rlhf.interactions.v1.
create table answers (
  tenant_id        text not null,
  interaction_id   text not null,
  conversation_id  text not null default '',
  turn_index       integer not null default 0,
  prompt           jsonb not null,
  prompt_hash      text not null,
  -- answers with one group key answer the same prompt (same normalized text or conversation turn)
  group_key        text not null,
  answer           text not null,
  answer_hash      text not null,
  segment          text not null default '',
  model_version    text not null default '',
  regenerated_from text not null default '',
  occurred_at      timestamptz not null,
  stored_at        timestamptz not null default now(),
  primary key (tenant_id, interaction_id)
);
create index answers_group on answers (tenant_id, group_key, occurred_at desc);
create index answers_turn on answers (tenant_id, conversation_id, turn_index) where conversation_id <> '';

-- Feedback as consumed from rlhf.feedback.v1, with what labeling made of it.
create table feedback (
  tenant_id            text not null,
  feedback_id          text not null,
  interaction_id       text not null,
  -- comparisons also wait for their other interaction
  other_interaction_id text not null default '',
  kind                 text not null check (kind in ('thumb', 'rating', 'comparison', 'outcome')),
  source               text not null,
  rater_id             text not null default '',
  rubric_version       text not null default '',
  fact                 jsonb not null,
  occurred_at          timestamptz not null,
  status               text not null check (status in ('pending', 'applied', 'ignored')),
  ignore_reason        text not null default '',
  stored_at            timestamptz not null default now(),
  applied_at           timestamptz,
  primary key (tenant_id, feedback_id)
);
create index feedback_pending on feedback (tenant_id, interaction_id) where status = 'pending';
create index feedback_pending_other on feedback (tenant_id, other_interaction_id) where status = 'pending' and other_interaction_id <> '';
create index feedback_interaction on feedback (tenant_id, interaction_id);

-- Votes (thumbs, ratings, outcomes) by group: the pairing partners of later votes.
create table votes (
  tenant_id      text not null,
  feedback_id    text not null,
  interaction_id text not null,
  group_key      text not null,
  answer_hash    text not null,
  direction      smallint not null check (direction in (-1, 1)),
  weight         double precision not null check (weight > 0),
  rater_id       text not null,
  source         text not null,
  segment        text not null,
  kind           text not null check (kind in ('thumb', 'rating', 'outcome')),
  occurred_at    timestamptz not null,
  primary key (tenant_id, feedback_id)
);
create index votes_group on votes (tenant_id, group_key, direction, occurred_at desc);
create index votes_interaction on votes (tenant_id, interaction_id);

-- Preference pairs; published_at null = still to publish on rlhf.pairs.v1 (outbox).
create table pairs (
  tenant_id       text not null,
  pair_id         text not null,
  group_key       text not null,
  prompt_hash     text not null,
  chosen_id       text not null,
  rejected_id     text not null,
  source          text not null check (source in ('comparison', 'thumbs', 'rating', 'outcome', 'expert_review', 'import')),
  weight          double precision not null,
  contributions   jsonb not null,
  rubric_version  text not null default '',
  sampling_weight double precision not null default 1,
  stratum         text not null default '',
  superseded      boolean not null default false,
  occurred_at     timestamptz not null,
  created_at      timestamptz not null default now(),
  published_at    timestamptz,
  primary key (tenant_id, pair_id)
);
create index pairs_outbox on pairs (created_at) where published_at is null;
create index pairs_time on pairs (tenant_id, occurred_at);
create index pairs_rubric on pairs (tenant_id, rubric_version) where rubric_version <> '';

-- Every pair of answers considered for expert review, with the strata it was considered in.
create table review_candidates (
  tenant_id     text not null,
  candidate_key text not null,
  strata        text[] not null,
  primary key (tenant_id, candidate_key)
);

create table review_tasks (
  tenant_id             text not null,
  task_id               text not null,
  candidate_key         text not null,
  -- answers in the order shown (randomized per task)
  interaction_a         text not null,
  interaction_b         text not null,
  stratum               text not null,
  inclusion_probability double precision not null check (inclusion_probability > 0 and inclusion_probability <= 1),
  sampling_weight       double precision not null,
  -- null for gold items, which every expert judges once
  judgments_required    integer check (judgments_required >= 1),
  gold_choice           text check (gold_choice in ('a', 'b', 'tie')),
  created_at            timestamptz not null default now(),
  closed_at             timestamptz,
  primary key (tenant_id, task_id),
  unique (tenant_id, candidate_key)
);
create index review_tasks_open on review_tasks (tenant_id, created_at) where closed_at is null;

-- Who is working on a task now (a lease, so two experts do not take the last slot at once).
create table task_leases (
  tenant_id    text not null,
  task_id      text not null,
  rater_id     text not null,
  leased_until timestamptz not null,
  primary key (tenant_id, task_id, rater_id)
);

create table judgments (
  tenant_id      text not null,
  judgment_id    text not null,
  task_id        text not null,
  rater_id       text not null,
  choice         text not null check (choice in ('a', 'b', 'tie')),
  criteria       jsonb not null,
  rubric_version text not null,
  comment        text not null default '',
  -- made under a rubric version that has since been replaced (kept, but marked)
  superseded     boolean not null default false,
  submitted_at   timestamptz not null default now(),
  primary key (tenant_id, judgment_id),
  unique (tenant_id, task_id, rater_id),
  foreign key (tenant_id, task_id) references review_tasks (tenant_id, task_id)
);
create index judgments_time on judgments (tenant_id, submitted_at);

-- Rubric versions: locked once published (see the trigger below).
create table rubrics (
  tenant_id      text not null,
  version        text not null,
  seq            integer not null,
  title          text not null,
  instructions   text not null,
  criteria       jsonb not null,
  content_sha256 text not null,
  status         text not null check (status in ('active', 'paused')),
  published_at   timestamptz not null default now(),
  published_by   text not null,
  change_note    text not null default '',
  paused_at      timestamptz,
  primary key (tenant_id, version),
  unique (tenant_id, seq)
);
create unique index rubrics_one_active on rubrics (tenant_id) where status = 'active';

create function rubric_locked() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'rubric versions are locked: % cannot be deleted', old.version;
  end if;
  if new.title is distinct from old.title or new.instructions is distinct from old.instructions
     or new.criteria is distinct from old.criteria or new.content_sha256 is distinct from old.content_sha256
     or new.version is distinct from old.version or new.seq is distinct from old.seq then
    raise exception 'rubric versions are locked: % cannot be edited, publish a new version', old.version;
  end if;
  return new;
end $$;
create trigger rubrics_locked before update or delete on rubrics for each row execute function rubric_locked();

-- The log of rubric changes (each publish that paused a previous version).
create table rubric_changes (
  tenant_id        text not null,
  change_id        bigserial primary key,
  from_version     text not null,
  to_version       text not null,
  changed_by       text not null,
  note             text not null default '',
  judgments_marked integer not null,
  pairs_marked     integer not null,
  changed_at       timestamptz not null default now()
);

-- Experts and leads, with hashed keys.
create table raters (
  tenant_id  text not null,
  rater_id   text not null check (rater_id ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$'),
  role       text not null check (role in ('expert', 'lead', 'service')),
  key_hash   text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  key_prefix text not null,
  name       text not null default '',
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  primary key (tenant_id, rater_id)
);

-- Audit results: the latest state per rater (flagged raters are down-weighted until a later
-- audit clears them) and every audit report.
create table rater_status (
  tenant_id     text not null,
  rater_id      text not null,
  flagged       boolean not null,
  weight_factor double precision not null check (weight_factor >= 0 and weight_factor <= 1),
  reasons       jsonb not null default '[]',
  audit_id      text not null,
  updated_at    timestamptz not null default now(),
  primary key (tenant_id, rater_id)
);

create table audits (
  tenant_id   text not null,
  audit_id    text not null,
  window_from timestamptz not null,
  window_to   timestamptz not null,
  report      jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, audit_id)
);

-- Dataset snapshots: immutable (see the trigger below). dataset_id is "<name>@<version>".
create table datasets (
  tenant_id      text not null,
  dataset_id     text not null,
  name           text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  version        integer not null check (version >= 1),
  origin         text not null,
  pair_count     integer not null,
  content_sha256 text not null,
  -- the DatasetManifest as proto3 JSON
  manifest       jsonb not null,
  created_at     timestamptz not null default now(),
  primary key (tenant_id, dataset_id),
  unique (tenant_id, name, version)
);

create table dataset_pairs (
  tenant_id    text not null,
  dataset_id   text not null,
  seq          integer not null,
  -- the PreferencePair as proto3 JSON (texts included: a snapshot stands alone)
  pair         jsonb not null,
  final_weight double precision not null,
  primary key (tenant_id, dataset_id, seq),
  foreign key (tenant_id, dataset_id) references datasets (tenant_id, dataset_id)
);

create function snapshot_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'dataset snapshots are immutable (% on %)', tg_op, tg_table_name;
end $$;
create trigger datasets_immutable before update or delete on datasets for each row execute function snapshot_immutable();
create trigger dataset_pairs_immutable before update or delete on dataset_pairs for each row execute function snapshot_immutable();
create trigger datasets_no_truncate before truncate on datasets for each statement execute function snapshot_immutable();
create trigger dataset_pairs_no_truncate before truncate on dataset_pairs for each statement execute function snapshot_immutable();

-- Announcements of snapshots on rlhf.datasets.v1 (outbox; kept apart so snapshots stay immutable).
create table dataset_announcements (
  tenant_id    text not null,
  dataset_id   text not null,
  announced_at timestamptz,
  primary key (tenant_id, dataset_id),
  foreign key (tenant_id, dataset_id) references datasets (tenant_id, dataset_id)
);
