-- Whether a device's worker (`npm run device -- worker`) is running, for the device's page:
-- the worker checks in each time it asks for its session or claims (at least every 30 s while
-- idle, docs/device-agent.md), so "seen in the last 90 s" means running. Runs it holds show
-- what it is doing. A table of its own, not a column of public.devices: owners edit their
-- device rows, and nobody but the worker itself may say it is running.
create table public.device_workers (
  device_id uuid primary key references public.devices (id) on delete cascade,
  -- The device's owner, kept on the row so the policy needs no join.
  user_id uuid not null references auth.users (id) on delete cascade,
  started_at timestamptz not null default now(),
  seen_at timestamptz not null default now()
);

create index device_workers_user_id_idx on public.device_workers (user_id);

alter table public.device_workers enable row level security;

revoke all on public.device_workers from anon;
revoke insert, update, delete, truncate, references, trigger on public.device_workers
  from authenticated;

create policy "Owners and their live devices read their workers" on public.device_workers
  for select to authenticated
  using (user_id = (select auth.uid()) and (select private.requester_is_active()));

-- How long a worker may go unseen and still count as running: three idle polls at most.
create or replace function private.worker_seen_window()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '90 seconds' $$;

-- The calling device's worker was seen now; one unseen for longer than the window started
-- again. Only a device request of a live device writes, and only its own row.
create or replace function public.record_worker_seen()
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := private.current_device_id();
begin
  if device is null then
    raise exception 'Only a paired device records its worker' using errcode = '42501';
  end if;
  insert into public.device_workers (device_id, user_id)
  values (device, auth.uid())
  on conflict (device_id) do update
    set seen_at = pg_catalog.now(),
        started_at = case
          when public.device_workers.seen_at < pg_catalog.now() - private.worker_seen_window()
            then pg_catalog.now()
          else public.device_workers.started_at
        end;
end;
$$;

revoke execute on function public.record_worker_seen() from public, anon;
grant execute on function public.record_worker_seen() to authenticated;
grant execute on function private.worker_seen_window() to authenticated;
