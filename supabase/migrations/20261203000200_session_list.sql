-- The sessions page: pinned and archived (console-only view state the owner sets, never synced
-- to devices), each session's last activity, the 30-day restore window of deleted (tombstoned)
-- sessions, and list_sessions, the keyset-paginated list with its filters.

alter table public.cloud_sessions
  add column pinned_at timestamptz,
  add column archived_at timestamptz,
  -- When the conversation last moved: its newest message's time, or the session's own last
  -- synced change. Not updated_at, which every counter update and re-sync bumps to "now".
  add column last_activity_at timestamptz;

update public.cloud_sessions s
   set last_activity_at = greatest(s.created_at, s.last_modified_at,
         (select max(m.created_at) from public.cloud_messages m where m.session_id = s.id));

alter table public.cloud_sessions
  alter column last_activity_at set not null,
  alter column last_activity_at set default now();

-- "Recently deleted" reads the caller's tombstones newest first.
create index cloud_sessions_user_id_deleted_at_idx on public.cloud_sessions (user_id, deleted_at desc)
  where deleted_at is not null;
-- The "has tool calls" filter asks, per session, whether one live message called a tool.
create index cloud_messages_session_id_tool_calls_idx on public.cloud_messages (session_id)
  where tool_calls is not null and deleted_at is null;

-- A session's own synced changes (created, renamed, deleted, restored) are activity.
create or replace function private.cloud_sessions_stamp_activity()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.last_activity_at := greatest(new.created_at, new.last_modified_at);
  elsif new.last_modified_at is distinct from old.last_modified_at then
    new.last_activity_at := greatest(new.last_activity_at, new.last_modified_at);
  end if;
  return new;
end;
$$;

-- Named to run after cloud_sessions_track_changes, which stamps last_modified_at.
create trigger cloud_sessions_ua_stamp_activity
  before insert or update on public.cloud_sessions
  for each row execute function private.cloud_sessions_stamp_activity();

-- New messages move their session's last activity to the newest message's time, once per
-- statement (a 10,000-message push updates each session once), as the counters do.
create or replace function private.cloud_messages_touch_activity()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.cloud_sessions s
     set last_activity_at = n.newest
    from (select r.session_id, max(r.created_at) as newest
            from new_rows r
           where r.deleted_at is null
           group by r.session_id) n
   where s.id = n.session_id
     and s.last_activity_at < n.newest;
  return null;
end;
$$;

create trigger cloud_messages_touch_activity
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.cloud_messages_touch_activity();

revoke execute on function private.cloud_sessions_stamp_activity(), private.cloud_messages_touch_activity()
  from public, anon, authenticated;

-- Runs after cloud_sessions_set_updated_at and cloud_sessions_track_changes (triggers of one
-- event fire in name order). Pinning and archiving are the owner's choice in the console: a
-- device may not change them, and they are not activity, so the session keeps its place
-- (updated_at) and its sync state (the track_changes trigger ignores these columns). A
-- deleted session can be restored by a console user for 30 days; sync_push (security definer,
-- so current_user is not an API role there) applies a device's newer version whatever its age.
create or replace function private.cloud_sessions_guard_view_state()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.pinned_at, new.archived_at) is distinct from (old.pinned_at, old.archived_at) then
    if private.is_device_request() then
      raise exception 'cloud_sessions: only the owner pins or archives a session, from the console'
        using errcode = '42501';
    end if;
    if (pg_catalog.to_jsonb(new) - array['pinned_at', 'archived_at', 'updated_at'])
       = (pg_catalog.to_jsonb(old) - array['pinned_at', 'archived_at', 'updated_at']) then
      new.updated_at := old.updated_at;
    end if;
  end if;
  if old.deleted_at is not null and new.deleted_at is null
     and old.deleted_at < pg_catalog.now() - interval '30 days'
     and current_user in ('authenticated', 'anon') then
    raise exception 'cloud_sessions: a session deleted more than 30 days ago cannot be restored'
      using errcode = '22023';
  end if;
  return new;
end;
$$;

revoke execute on function private.cloud_sessions_guard_view_state() from public, anon, authenticated;

create trigger cloud_sessions_view_state
  before update on public.cloud_sessions
  for each row execute function private.cloud_sessions_guard_view_state();

-- One page of the sessions the caller can see (their own and their projects'; the policies
-- decide, security invoker), pinned first, then by last activity, newest first. Keyset
-- pagination: pass the last row's (pinned, last_activity_at, id) as after_*; never an offset. Live
-- sessions only: archived ones only when show_archived, both when it is null. The models a session's messages ran on
-- are gathered for the returned page only.
create or replace function public.list_sessions(
  filter_device uuid default null,
  filter_model text default null,
  filter_project uuid default null,
  active_from timestamptz default null,
  active_to timestamptz default null,
  with_tool_calls boolean default null,
  show_archived boolean default null,
  title_search text default null,
  after_pinned boolean default null,
  after_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50
)
returns table (
  id uuid, title text, model text, models text[], device_id uuid, device_name text,
  project_id uuid, project_name text, message_count integer, token_count bigint,
  cost_usd numeric, created_at timestamptz, last_activity_at timestamptz, pinned_at timestamptz,
  archived_at timestamptz, is_mine boolean, has_tool_calls boolean
)
language sql
stable
security invoker
set search_path = ''
-- The filters' subqueries make the planner's cost estimate huge although they rarely run, and
-- JIT compilation would then cost more than the query (measured: 400 ms of 750).
set jit = off
as $$
  select p.id, p.title, p.model,
         array(select distinct m.model
                 from public.cloud_messages m
                where m.session_id = p.id and m.model is not null and m.deleted_at is null
                order by 1),
         p.device_id, d.name, p.project_id, pr.name, p.message_count, p.token_count, p.cost_usd,
         p.created_at, p.last_activity_at, p.pinned_at, p.archived_at,
         p.user_id = (select auth.uid()),
         exists (select 1 from public.cloud_messages m
                  where m.session_id = p.id and m.tool_calls is not null and m.deleted_at is null)
    from (
      select s.*
        from public.cloud_sessions s
       where s.deleted_at is null
         and (show_archived is null or (s.archived_at is not null) = show_archived)
         and (filter_device is null or s.device_id = filter_device)
         and (filter_project is null or s.project_id = filter_project)
         and (active_from is null or s.last_activity_at >= active_from)
         and (active_to is null or s.last_activity_at < active_to)
         and (filter_model is null or s.model = filter_model
              or exists (select 1 from public.cloud_messages m
                          where m.session_id = s.id and m.model = filter_model and m.deleted_at is null))
         and (with_tool_calls is null or with_tool_calls = exists (
               select 1 from public.cloud_messages m
                where m.session_id = s.id and m.tool_calls is not null and m.deleted_at is null))
         and (coalesce(title_search, '') = ''
              or s.title ilike '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
                   title_search, '\', '\\'), '%', '\%'), '_', '\_') || '%')
         and (after_at is null
              or ((s.pinned_at is not null), s.last_activity_at, s.id)
                 < (coalesce(after_pinned, false), after_at, coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)))
       order by (s.pinned_at is not null) desc, s.last_activity_at desc, s.id desc
       limit least(greatest(coalesce(max_rows, 50), 1), 200)
    ) p
    left join public.devices d on d.id = p.device_id
    left join ops.projects pr on pr.id = p.project_id
   order by (p.pinned_at is not null) desc, p.last_activity_at desc, p.id desc
$$;

-- The models the caller's visible sessions and messages ran on, for the model filter.
create or replace function public.list_session_models()
returns setof text
language sql
stable
security invoker
set search_path = ''
as $$
  select x.model
    from (
      select s.model from public.cloud_sessions s where s.model is not null and s.deleted_at is null
      union
      select u.model from public.usage_daily u where u.model is not null
    ) x
   order by 1
   limit 500
$$;

revoke execute on function public.list_sessions(uuid, text, uuid, timestamptz, timestamptz, boolean,
  boolean, text, boolean, timestamptz, uuid, integer), public.list_session_models() from public, anon;
grant execute on function public.list_sessions(uuid, text, uuid, timestamptz, timestamptz, boolean,
  boolean, text, boolean, timestamptz, uuid, integer), public.list_session_models()
  to authenticated, service_role;
