-- The local stack's own state (signing keys, its secret), in a schema no API exposes and no
-- API role can use. Hosted Supabase keeps these in its platform, not in the database.
create schema if not exists _local;
revoke all on schema _local from public;

create table if not exists _local.secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
revoke all on _local.secrets from public;
