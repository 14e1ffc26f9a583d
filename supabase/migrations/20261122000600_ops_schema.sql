-- The ops schema (projects, members, workflows and their runs), exposed to the API next to
-- public. Usage and default privileges mirror what hosted Supabase grants on public, so RLS
-- decides the rows; functions are the exception: each RPC grants execute to the roles meant.
create schema if not exists ops;
grant usage on schema ops to anon, authenticated, service_role;

alter default privileges in schema ops grant all on tables to anon, authenticated, service_role;
alter default privileges in schema ops grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema ops revoke execute on functions from public;
alter default privileges in schema ops grant execute on functions to service_role;

-- Project roles, highest first. A rank makes "at least developer" one comparison; an unknown
-- role ranks null so that no comparison with it is ever true.
create or replace function private.role_rank(p_role text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_role
    when 'owner' then 4
    when 'admin' then 3
    when 'developer' then 2
    when 'viewer' then 1
  end
$$;

-- The user the request acts for in ops: the signed-in user, or the owner of a live device.
-- A revoked or foreign device acts for nobody, so it matches no membership at all.
create or replace function private.acting_user_id()
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select case when private.requester_is_active() then auth.uid() end
$$;

-- Refuses changes to the columns named as trigger arguments (ownership and identity columns
-- that a policy's with check cannot protect on its own).
create or replace function private.protect_columns()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  new_row jsonb := pg_catalog.to_jsonb(new);
  old_row jsonb := pg_catalog.to_jsonb(old);
  col text;
begin
  foreach col in array tg_argv loop
    if (new_row -> col) is distinct from (old_row -> col) then
      raise exception '%.% cannot be changed', tg_table_name, col
        using errcode = '42501';
    end if;
  end loop;
  return new;
end;
$$;

-- Append-only tables: no update ever, and delete only when cascading from the parent row
-- (trigger depth > 1), so history goes only when its project or run goes.
create or replace function private.refuse_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and pg_catalog.pg_trigger_depth() > 1 then
    return old;
  end if;
  raise exception '% is append-only: rows cannot be %d', tg_table_name, pg_catalog.lower(tg_op)
    using errcode = '42501';
end;
$$;

revoke execute on function
  private.role_rank(text),
  private.acting_user_id(),
  private.protect_columns(),
  private.refuse_changes()
  from public, anon;
grant execute on function private.role_rank(text), private.acting_user_id()
  to authenticated, service_role;
