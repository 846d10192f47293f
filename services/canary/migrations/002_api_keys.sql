-- Callers' API keys (`rlhf canary keys create`): only the sha256 of each key is stored. A key acts
-- for one tenant, or for every tenant ('*', service keys only). Revoked keys stay for the record.
create table api_keys (
  key_hash   text primary key check (key_hash ~ '^[0-9a-f]{64}$'),
  tenant_id  text not null,
  role       text not null check (role in ('reader', 'operator', 'service')),
  label      text not null default '',
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (tenant_id <> '*' or role = 'service')
);
create index api_keys_tenant on api_keys (tenant_id);
