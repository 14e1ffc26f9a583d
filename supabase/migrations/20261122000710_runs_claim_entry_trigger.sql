-- Fewer steps per queue write: the claim entry point becomes plpgsql (its plan is cached per
-- connection; a non-inlined SQL function is planned again on every call), still without a SET
-- clause so its synchronous_commit setting outlives it; and runs get one before-update
-- trigger for the column guard and updated_at instead of two (the state machine stays a
-- trigger of its own, on updates that set status).
create or replace function ops.claim_next_run(
  p_project_id uuid default null,
  p_lease_seconds integer default 60
)
returns setof ops.runs
language plpgsql
volatile
security invoker
as $$
begin
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  return query select * from private.claim_next_run(p_project_id, p_lease_seconds);
end;
$$;

create or replace function private.runs_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.project_id is distinct from old.project_id
    or new.workflow_id is distinct from old.workflow_id
    or new.requested_by is distinct from old.requested_by
    or new.rerun_of is distinct from old.rerun_of
    or new.queued_at is distinct from old.queued_at then
    raise exception 'runs: project_id, workflow_id, requested_by, rerun_of and queued_at cannot be changed'
      using errcode = '42501';
  end if;
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;

revoke execute on function private.runs_before_update() from public, anon, authenticated;

drop trigger runs_set_updated_at on ops.runs;
drop trigger runs_protect_columns on ops.runs;
create trigger runs_before_update
  before update on ops.runs
  for each row execute function private.runs_before_update();
drop function private.runs_protect_columns();
