-- Append-only audit trail: who (user and device) did what to which target, written by the
-- security definer functions and triggers in the same transaction as the change itself.
-- Nobody updates or deletes entries; tests clear the table with truncate.
create table public.audit_log (
  id uuid primary key default gen_random_uuid(),
  actor_user_id uuid references auth.users (id) on delete set null,
  actor_device_id uuid references public.devices (id) on delete set null,
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  target_type text not null check (char_length(target_type) between 1 and 50),
  target_id uuid,
  project_id uuid,
  details jsonb not null default '{}'::jsonb check (jsonb_typeof(details) = 'object'),
  created_at timestamptz not null default now()
);

create index audit_log_actor_user_id_created_at_idx on public.audit_log (actor_user_id, created_at desc, id desc);
create index audit_log_actor_device_id_idx on public.audit_log (actor_device_id);
create index audit_log_project_id_created_at_idx on public.audit_log (project_id, created_at desc, id desc);
create index audit_log_target_idx on public.audit_log (target_type, target_id);

alter table public.audit_log enable row level security;

revoke all on public.audit_log from anon;
revoke insert, update, delete, truncate, references, trigger on public.audit_log from authenticated;

-- The select policy (a user's own entries, and their projects' entries for members) is created
-- with the link to projects, in 20261122000670_audit_log_projects.sql.

-- Refuses every update and delete, even from the table owner. The one exception is a
-- foreign key's "on delete set null" when an actor or project goes away: only those
-- reference columns may change, and only to null.
create or replace function private.audit_log_refuse_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
    and (pg_catalog.to_jsonb(new) - array['actor_user_id', 'actor_device_id', 'project_id'])
      = (pg_catalog.to_jsonb(old) - array['actor_user_id', 'actor_device_id', 'project_id'])
    and (new.actor_user_id is null or new.actor_user_id = old.actor_user_id)
    and (new.actor_device_id is null or new.actor_device_id = old.actor_device_id)
    and (new.project_id is null or new.project_id = old.project_id) then
    return new;
  end if;
  raise exception 'audit_log is append-only'
    using errcode = 'insufficient_privilege';
end;
$$;

revoke execute on function private.audit_log_refuse_changes() from public, anon, authenticated;

create trigger audit_log_refuse_changes
  before update or delete on public.audit_log
  for each row execute function private.audit_log_refuse_changes();

-- Writes one entry with the actors taken from the request's JWT. Not callable by API roles:
-- only other security definer functions and triggers write the audit trail.
create or replace function private.write_audit(
  action text,
  target_type text,
  target_id uuid,
  project_id uuid default null,
  details jsonb default '{}'::jsonb
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  entry_id uuid;
begin
  insert into public.audit_log (actor_user_id, actor_device_id, action, target_type, target_id, project_id, details)
  values (auth.uid(), private.current_device_id(), action, target_type, target_id, project_id,
          coalesce(details, '{}'::jsonb))
  returning id into entry_id;
  return entry_id;
end;
$$;

revoke execute on function private.write_audit(text, text, uuid, uuid, jsonb) from public, anon, authenticated;
grant execute on function private.write_audit(text, text, uuid, uuid, jsonb) to service_role;
