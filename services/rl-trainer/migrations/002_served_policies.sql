-- The policy each tenant's Generate serves: the checkpoint of the canary's last PROMOTE
-- (rlhf.canary-reports.v1). promoted_at is the report's created_at; a replayed or late report
-- replaces the row only when it is newer.
create table served_policies (
  tenant_id text primary key,
  policy_version text not null,
  report_id text not null,
  promoted_at timestamptz not null,
  updated_at timestamptz not null default now()
);
