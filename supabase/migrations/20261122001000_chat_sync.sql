-- Chat sessions and messages that devices sync to the cloud: sync metadata and tombstones,
-- each message's cost and the session counters kept by triggers, full-text search, and the
-- sync_push / sync_pull RPCs the device API calls. Project members read a project's sessions.

create table public.cloud_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  device_id uuid references public.devices (id) on delete set null,
  project_id uuid references ops.projects (id) on delete set null,
  title text not null default '' check (char_length(title) <= 500),
  model text check (char_length(model) <= 200),
  -- A fork: the session it branched from and the message index where it did. Not a foreign
  -- key, because devices push in any order and a fork may arrive before its source.
  parent_id uuid,
  branch_point integer check (branch_point >= 0),
  metadata jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  message_count integer not null default 0 check (message_count >= 0),
  token_count bigint not null default 0 check (token_count >= 0),
  cost_usd numeric(16, 8) not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_modified_at timestamptz not null default now(),
  sync_version bigint not null default 1 check (sync_version >= 1),
  -- The writing transaction's id: sync_pull's cursor (see there).
  change_seq bigint not null default (pg_catalog.pg_current_xact_id()::text)::bigint,
  deleted_at timestamptz,
  check (branch_point is null or parent_id is not null),
  -- The target of cloud_messages' (session_id, user_id) foreign key.
  constraint cloud_sessions_id_user_id_key unique (id, user_id)
);

create index cloud_sessions_user_id_updated_at_idx on public.cloud_sessions (user_id, updated_at desc, id desc);
create index cloud_sessions_user_id_change_seq_idx on public.cloud_sessions (user_id, change_seq, id);
create index cloud_sessions_project_id_updated_at_idx on public.cloud_sessions (project_id, updated_at desc, id desc)
  where project_id is not null;
create index cloud_sessions_device_id_updated_at_idx on public.cloud_sessions (device_id, updated_at desc, id desc);
create index cloud_sessions_parent_id_idx on public.cloud_sessions (parent_id) where parent_id is not null;

create table public.cloud_messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null,
  -- Copies of the session's owner and project, so that policies, rollups and sync_pull never
  -- join through the session. The owner is pinned by the foreign key below (and through the
  -- session it goes with its account); the project is kept by triggers.
  user_id uuid not null,
  project_id uuid references ops.projects (id) on delete set null,
  device_id uuid references public.devices (id) on delete set null,
  -- The message this one answers or edits; siblings share a parent (branches). A soft
  -- reference for the same reason as cloud_sessions.parent_id.
  parent_id uuid,
  message_index integer not null check (message_index >= 0),
  role text not null check (role in ('system', 'user', 'assistant', 'tool')),
  content text not null default '' check (char_length(content) <= 1000000),
  reasoning text,
  tool_calls jsonb check (tool_calls is null or jsonb_typeof(tool_calls) = 'array'),
  token_usage jsonb check (token_usage is null or jsonb_typeof(token_usage) = 'object'),
  model text check (char_length(model) <= 200),
  -- cached_tokens are the part of input_tokens served from the prompt cache.
  input_tokens integer not null default 0 check (input_tokens >= 0),
  output_tokens integer not null default 0 check (output_tokens >= 0),
  cached_tokens integer not null default 0 check (cached_tokens between 0 and input_tokens),
  tokens_per_second real check (tokens_per_second >= 0),
  time_to_first_token_ms integer check (time_to_first_token_ms >= 0),
  cost_usd numeric(16, 8) not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_modified_at timestamptz not null default now(),
  sync_version bigint not null default 1 check (sync_version >= 1),
  change_seq bigint not null default (pg_catalog.pg_current_xact_id()::text)::bigint,
  deleted_at timestamptz,
  search tsvector generated always as (to_tsvector('english'::regconfig, content)) stored,
  constraint cloud_messages_session_fkey foreign key (session_id, user_id)
    references public.cloud_sessions (id, user_id) on delete cascade
);

-- Covers the foreign key and a session's messages (a few hundred at most, sorted in memory).
create index cloud_messages_session_id_user_id_idx on public.cloud_messages (session_id, user_id, message_index, id);
create index cloud_messages_user_id_change_seq_idx on public.cloud_messages (user_id, change_seq, id);
create index cloud_messages_project_id_idx on public.cloud_messages (project_id) where project_id is not null;
create index cloud_messages_device_id_idx on public.cloud_messages (device_id);
create index cloud_messages_parent_id_idx on public.cloud_messages (parent_id) where parent_id is not null;
create index cloud_messages_model_user_id_idx on public.cloud_messages (model, user_id);
create index cloud_messages_search_idx on public.cloud_messages using gin (search);

alter table public.cloud_sessions enable row level security;
alter table public.cloud_messages enable row level security;

revoke all on public.cloud_sessions, public.cloud_messages from anon;
-- Nobody deletes: a delete is a tombstone (deleted_at) so that every device learns of it.
-- Rows go only with their owner's account.
revoke delete, truncate, references, trigger on public.cloud_sessions, public.cloud_messages from authenticated;

create policy "Owners, their live devices and project members can view sessions" on public.cloud_sessions
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

create policy "Owners and their live devices can add sessions" on public.cloud_sessions
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (select private.requester_is_active())
    and (
      case when (select private.is_device_request())
        then device_id = (select private.current_device_id())
        else device_id is null or device_id in (select d.id from public.devices d where d.user_id = (select auth.uid()))
      end
    )
    and (project_id is null or project_id in (select private.my_project_ids('developer')))
  );

-- A device changes only the sessions it synced; the owner changes any of theirs.
create policy "Owners and the syncing device can update sessions" on public.cloud_sessions
  for update to authenticated
  using (
    user_id = (select auth.uid())
    and (select private.requester_is_active())
    and (not (select private.is_device_request()) or device_id = (select private.current_device_id()))
  )
  with check (
    user_id = (select auth.uid())
    and (project_id is null or project_id in (select private.my_project_ids('developer')))
  );

create policy "Owners, their live devices and project members can view messages" on public.cloud_messages
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

create policy "Owners and their live devices can add messages" on public.cloud_messages
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (select private.requester_is_active())
    and (
      case when (select private.is_device_request())
        then device_id = (select private.current_device_id())
        else device_id is null or device_id in (select d.id from public.devices d where d.user_id = (select auth.uid()))
      end
    )
  );

create policy "Owners and the syncing device can update messages" on public.cloud_messages
  for update to authenticated
  using (
    user_id = (select auth.uid())
    and (select private.requester_is_active())
    and (not (select private.is_device_request()) or device_id = (select private.current_device_id()))
  )
  with check (user_id = (select auth.uid()));

create trigger cloud_sessions_set_updated_at
  before update on public.cloud_sessions
  for each row execute function private.set_updated_at();

-- Sync metadata for sessions: ownership is fixed; an edit of synced content (not the
-- server-kept counters) bumps sync_version unless the writer already raised it, stamps
-- last_modified_at, and moves the row past every sync cursor.
create or replace function private.cloud_sessions_track_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if new.user_id <> old.user_id or new.id <> old.id then
      raise exception 'cloud_sessions: the owner of a session cannot change' using errcode = '42501';
    end if;
    if (new.title, new.model, new.project_id, new.parent_id, new.branch_point, new.metadata,
        new.deleted_at, new.device_id, new.created_at, new.sync_version, new.last_modified_at)
       is not distinct from
       (old.title, old.model, old.project_id, old.parent_id, old.branch_point, old.metadata,
        old.deleted_at, old.device_id, old.created_at, old.sync_version, old.last_modified_at) then
      return new;
    end if;
    if new.sync_version <= old.sync_version then
      new.sync_version := old.sync_version + 1;
    end if;
    if new.last_modified_at is not distinct from old.last_modified_at then
      new.last_modified_at := pg_catalog.now();
    end if;
  end if;
  new.change_seq := (pg_catalog.pg_current_xact_id()::text)::bigint;
  return new;
end;
$$;

create trigger cloud_sessions_track_changes
  before insert or update on public.cloud_sessions
  for each row execute function private.cloud_sessions_track_changes();

-- Messages: the owner and project come from the session, ownership is fixed, a tombstone
-- drops the content, the cost comes from the price in force, and sync metadata works as for
-- sessions. Security invoker on purpose: an API caller's lookup sees only their own session
-- (anyone else's is "not found").
create or replace function private.cloud_messages_track_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  session_user_id uuid;
  session_project_id uuid;
begin
  if tg_op = 'INSERT' then
    select s.user_id, s.project_id into session_user_id, session_project_id
      from public.cloud_sessions s where s.id = new.session_id;
    if session_user_id is null or session_user_id <> new.user_id then
      raise exception 'cloud_messages: session % not found for this user', new.session_id
        using errcode = '23503';
    end if;
    new.project_id := session_project_id;
  else
    if new.user_id <> old.user_id or new.session_id <> old.session_id or new.id <> old.id then
      raise exception 'cloud_messages: a message cannot move to another session or owner' using errcode = '42501';
    end if;
    -- The project follows the session; only the session's own trigger (or a foreign key
    -- action) moves it, both one trigger level down.
    if pg_catalog.pg_trigger_depth() <= 1 then
      new.project_id := old.project_id;
    end if;
    new.updated_at := pg_catalog.now();
  end if;

  if new.deleted_at is not null then
    new.content := '';
    new.reasoning := null;
    new.tool_calls := null;
  end if;

  -- The price in force when the message was written: the same rule as private.message_cost,
  -- inlined because a nested function call per row costs more than the query itself.
  new.cost_usd := coalesce((
    select ((new.input_tokens - new.cached_tokens) * p.input_per_mtok
            + new.cached_tokens * p.cached_per_mtok
            + new.output_tokens * p.output_per_mtok) / 1000000
      from public.model_prices p
     where p.model = new.model
       and (p.user_id = new.user_id or p.user_id is null)
       and p.effective_from <= new.created_at
     order by p.user_id is null, p.effective_from desc
     limit 1
  ), 0)::numeric(16, 8);

  if tg_op = 'UPDATE' then
    if (new.parent_id, new.message_index, new.role, new.content, new.reasoning, new.tool_calls,
        new.token_usage, new.model, new.input_tokens, new.output_tokens, new.cached_tokens,
        new.tokens_per_second, new.time_to_first_token_ms, new.created_at, new.deleted_at,
        new.device_id, new.sync_version, new.last_modified_at)
       is not distinct from
       (old.parent_id, old.message_index, old.role, old.content, old.reasoning, old.tool_calls,
        old.token_usage, old.model, old.input_tokens, old.output_tokens, old.cached_tokens,
        old.tokens_per_second, old.time_to_first_token_ms, old.created_at, old.deleted_at,
        old.device_id, old.sync_version, old.last_modified_at) then
      return new;
    end if;
    if new.sync_version <= old.sync_version then
      new.sync_version := old.sync_version + 1;
    end if;
    if new.last_modified_at is not distinct from old.last_modified_at then
      new.last_modified_at := pg_catalog.now();
    end if;
  end if;
  new.change_seq := (pg_catalog.pg_current_xact_id()::text)::bigint;
  return new;
end;
$$;

-- sync_push (running as the platform role, never as an API role) computes owner, project,
-- price and sync metadata for its whole batch in one set-based statement and marks it with
-- lmx.trusted_message_write; for those rows the per-row trigger, which a 10,000-message
-- push cannot afford, does not run. An API caller can neither set the flag nor act as the
-- platform role, so every other write goes through the trigger.
create trigger cloud_messages_track_changes
  before insert or update on public.cloud_messages
  for each row
  when (not (
    current_user <> all (array['authenticated', 'anon', 'service_role']::name[])
    and coalesce(pg_catalog.current_setting('lmx.trusted_message_write', true), '') = 'on'
  ))
  execute function private.cloud_messages_track_changes();

-- A session moved to another project takes its messages along.
create or replace function private.cloud_sessions_move_messages()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.cloud_messages m
     set project_id = new.project_id
   where m.session_id = new.id
     and m.project_id is distinct from new.project_id;
  return null;
end;
$$;

create trigger cloud_sessions_move_messages
  after update of project_id on public.cloud_sessions
  for each row
  when (old.project_id is distinct from new.project_id)
  execute function private.cloud_sessions_move_messages();

-- Session counters (live messages, their tokens and cost), maintained once per statement
-- from the transition tables so that a 10,000-message push updates each session once.
-- Postgres allows transition tables only on single-event triggers, and a trigger may name
-- only the tables its event has: one small wrapper per event.
create or replace function private.cloud_messages_count_insert()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  with deltas as (
    select n.session_id, count(*) as messages, sum(n.input_tokens::bigint + n.output_tokens) as tokens, sum(n.cost_usd) as cost
      from new_rows n
     where n.deleted_at is null
     group by n.session_id
  )
  update public.cloud_sessions s
     set message_count = s.message_count + d.messages,
         token_count = s.token_count + d.tokens,
         cost_usd = s.cost_usd + d.cost
    from deltas d
   where s.id = d.session_id;
  return null;
end;
$$;

create or replace function private.cloud_messages_count_update()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  with deltas as (
    select n.session_id, 1 as messages, n.input_tokens::bigint + n.output_tokens as tokens, n.cost_usd as cost
      from new_rows n where n.deleted_at is null
    union all
    select o.session_id, -1, -(o.input_tokens::bigint + o.output_tokens), -o.cost_usd
      from old_rows o where o.deleted_at is null
  ),
  per_session as (
    select d.session_id, sum(d.messages) as messages, sum(d.tokens) as tokens, sum(d.cost) as cost
      from deltas d
     group by d.session_id
    having sum(d.messages) <> 0 or sum(d.tokens) <> 0 or sum(d.cost) <> 0
  )
  update public.cloud_sessions s
     set message_count = s.message_count + p.messages,
         token_count = s.token_count + p.tokens,
         cost_usd = s.cost_usd + p.cost
    from per_session p
   where s.id = p.session_id;
  return null;
end;
$$;

create or replace function private.cloud_messages_count_delete()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  with deltas as (
    select o.session_id, count(*) as messages, sum(o.input_tokens::bigint + o.output_tokens) as tokens, sum(o.cost_usd) as cost
      from old_rows o
     where o.deleted_at is null
     group by o.session_id
  )
  update public.cloud_sessions s
     set message_count = s.message_count - d.messages,
         token_count = s.token_count - d.tokens,
         cost_usd = s.cost_usd - d.cost
    from deltas d
   where s.id = d.session_id;
  return null;
end;
$$;

create trigger cloud_messages_count_insert
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.cloud_messages_count_insert();
create trigger cloud_messages_count_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.cloud_messages_count_update();
create trigger cloud_messages_count_delete
  after delete on public.cloud_messages
  referencing old table as old_rows
  for each statement execute function private.cloud_messages_count_delete();

revoke execute on function
  private.cloud_sessions_track_changes(),
  private.cloud_messages_track_changes(),
  private.cloud_sessions_move_messages(),
  private.cloud_messages_count_insert(),
  private.cloud_messages_count_update(),
  private.cloud_messages_count_delete()
  from public, anon, authenticated;

-- Pushes a batch of sessions and messages from a device (or the signed-in user):
--   { "sessions": [{ id, sync_version, title?, model?, project_id?, parent_id?, branch_point?,
--                    metadata?, created_at?, last_modified_at?, deleted_at? }],
--     "messages": [{ id, session_id, sync_version, message_index, role, content?, ... }] }
-- Idempotent and last-write-wins by sync_version. One result row per distinct item:
-- applied (written), duplicate (the server already has this version), conflict (the server
-- has a newer version, or the same version with other content) or rejected (not the
-- caller's to write), with the version the server now holds. A deletion is a tombstone:
-- deleted_at set, at a higher sync_version.
create or replace function public.sync_push(batch jsonb)
returns table (kind text, id uuid, status text, server_version bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_device uuid := private.current_device_id();
  item_count integer;
begin
  if caller is null then
    raise exception 'sign in to sync' using errcode = '42501';
  end if;
  if private.is_device_request() and caller_device is null then
    raise exception 'this device is revoked or unknown' using errcode = '42501';
  end if;
  if batch is null or pg_catalog.jsonb_typeof(batch) <> 'object'
    or pg_catalog.jsonb_typeof(coalesce(batch -> 'sessions', '[]'::jsonb)) <> 'array'
    or pg_catalog.jsonb_typeof(coalesce(batch -> 'messages', '[]'::jsonb)) <> 'array' then
    raise exception 'sync_push expects {"sessions": [...], "messages": [...]}' using errcode = '22023';
  end if;
  item_count := pg_catalog.jsonb_array_length(coalesce(batch -> 'sessions', '[]'::jsonb))
    + pg_catalog.jsonb_array_length(coalesce(batch -> 'messages', '[]'::jsonb));
  if item_count > 20000 then
    raise exception 'sync_push takes at most 20000 items per call, got %', item_count using errcode = '54000';
  end if;

  return query
  with incoming as (
    select distinct on (x.id) x.*
      from pg_catalog.jsonb_to_recordset(coalesce(batch -> 'sessions', '[]'::jsonb)) as x(
        id uuid, sync_version bigint, title text, model text, project_id uuid, parent_id uuid,
        branch_point integer, metadata jsonb, created_at timestamptz, last_modified_at timestamptz,
        deleted_at timestamptz)
     order by x.id, x.sync_version desc
  ),
  current_rows as (
    select s.id, s.user_id, s.device_id, s.sync_version, s.title, s.model, s.project_id,
           s.parent_id, s.branch_point, s.metadata, s.deleted_at, s.created_at
      from public.cloud_sessions s
     where s.id in (select i.id from incoming i)
       for update
  ),
  classified as (
    select i.*, c.sync_version as current_version, c.created_at as current_created_at,
      case
        when i.id is null or i.sync_version is null or i.sync_version < 1 then 'rejected'
        when c.id is not null and (c.user_id <> caller
          or (caller_device is not null and c.device_id is distinct from caller_device)) then 'rejected'
        when i.project_id is not null
          and i.project_id not in (select private.my_project_ids('developer')) then 'rejected'
        when c.id is null or i.sync_version > c.sync_version then 'apply'
        when i.sync_version = c.sync_version
          and (coalesce(i.title, ''), i.model, i.project_id, i.parent_id, i.branch_point,
               coalesce(i.metadata, '{}'::jsonb), i.deleted_at)
              is not distinct from
              (c.title, c.model, c.project_id, c.parent_id, c.branch_point, c.metadata, c.deleted_at)
          then 'duplicate'
        else 'conflict'
      end as verdict
      from incoming i
      left join current_rows c on c.id = i.id
  ),
  written as (
    insert into public.cloud_sessions as s (
      id, user_id, device_id, project_id, title, model, parent_id, branch_point, metadata,
      created_at, last_modified_at, sync_version, deleted_at)
    select c.id, caller, caller_device, c.project_id, coalesce(c.title, ''), c.model, c.parent_id,
           c.branch_point, coalesce(c.metadata, '{}'::jsonb),
           coalesce(c.created_at, c.current_created_at, pg_catalog.now()),
           coalesce(c.last_modified_at, pg_catalog.now()), c.sync_version, c.deleted_at
      from classified c
     where c.verdict = 'apply'
    on conflict on constraint cloud_sessions_pkey do update
      set project_id = excluded.project_id, title = excluded.title, model = excluded.model,
          parent_id = excluded.parent_id, branch_point = excluded.branch_point,
          metadata = excluded.metadata, created_at = excluded.created_at,
          last_modified_at = excluded.last_modified_at, sync_version = excluded.sync_version,
          deleted_at = excluded.deleted_at
      where s.sync_version < excluded.sync_version and s.user_id = excluded.user_id
    returning s.id, s.sync_version
  )
  select 'session'::text, c.id,
         case when c.verdict <> 'apply' then c.verdict
              when w.id is not null then 'applied'
              else 'conflict' end,
         coalesce(w.sync_version, c.current_version)
    from classified c
    left join written w on w.id = c.id;

  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  return query
  with incoming as (
    select distinct on (x.id) x.*
      from pg_catalog.jsonb_to_recordset(coalesce(batch -> 'messages', '[]'::jsonb)) as x(
        id uuid, session_id uuid, sync_version bigint, parent_id uuid, message_index integer,
        role text, content text, reasoning text, tool_calls jsonb, token_usage jsonb, model text,
        input_tokens integer, output_tokens integer, cached_tokens integer,
        tokens_per_second real, time_to_first_token_ms integer, created_at timestamptz,
        last_modified_at timestamptz, deleted_at timestamptz)
     order by x.id, x.sync_version desc
  ),
  current_rows as (
    select m.id, m.user_id, m.session_id, m.device_id, m.sync_version, m.parent_id, m.message_index,
           m.role, m.content, m.model, m.input_tokens, m.output_tokens, m.cached_tokens,
           m.tool_calls, m.deleted_at, m.created_at
      from public.cloud_messages m
     where m.id in (select i.id from incoming i)
       for update
  ),
  sessions as (
    select s.id, s.project_id
      from public.cloud_sessions s
     where s.id in (select i.session_id from incoming i)
       and s.user_id = caller
  ),
  normalized as (
    select i.id, i.session_id, i.sync_version, i.parent_id, i.message_index, i.role,
           case when i.deleted_at is null then coalesce(i.content, '') else '' end as content,
           case when i.deleted_at is null then i.reasoning end as reasoning,
           case when i.deleted_at is null then i.tool_calls end as tool_calls,
           i.token_usage, i.model,
           coalesce(i.input_tokens, (i.token_usage ->> 'input_tokens')::integer,
                    (i.token_usage ->> 'prompt_tokens')::integer, 0) as input_tokens,
           coalesce(i.output_tokens, (i.token_usage ->> 'output_tokens')::integer,
                    (i.token_usage ->> 'completion_tokens')::integer, 0) as output_tokens,
           coalesce(i.cached_tokens, (i.token_usage ->> 'cached_tokens')::integer, 0) as cached_tokens,
           i.tokens_per_second, i.time_to_first_token_ms, i.created_at, i.last_modified_at, i.deleted_at
      from incoming i
  ),
  classified as (
    select n.*, c.sync_version as current_version, ss.project_id as session_project_id,
           coalesce(n.created_at, c.created_at, pg_catalog.now()) as written_at,
      case
        when n.id is null or n.sync_version is null or n.sync_version < 1 then 'rejected'
        when c.id is not null and (c.user_id <> caller or c.session_id <> n.session_id
          or (caller_device is not null and c.device_id is distinct from caller_device)) then 'rejected'
        when ss.id is null then 'rejected'
        when c.id is null or n.sync_version > c.sync_version then 'apply'
        when n.sync_version = c.sync_version
          and (n.parent_id, n.message_index, n.role, n.content, n.model, n.input_tokens,
               n.output_tokens, n.cached_tokens, n.tool_calls, n.deleted_at)
              is not distinct from
              (c.parent_id, c.message_index, c.role, c.content, c.model, c.input_tokens,
               c.output_tokens, c.cached_tokens, c.tool_calls, c.deleted_at)
          then 'duplicate'
        else 'conflict'
      end as verdict
      from normalized n
      left join current_rows c on c.id = n.id
      left join sessions ss on ss.id = n.session_id
  ),
  -- Owner, project and price for the whole batch at once (the message trigger does not run
  -- while lmx.trusted_message_write is on). Same pricing rule as private.message_cost.
  priced as (
    select c.*,
      coalesce((
        select ((c.input_tokens - c.cached_tokens) * p.input_per_mtok
                + c.cached_tokens * p.cached_per_mtok
                + c.output_tokens * p.output_per_mtok) / 1000000
          from public.model_prices p
         where p.model = c.model
           and (p.user_id = caller or p.user_id is null)
           and p.effective_from <= c.written_at
         order by p.user_id is null, p.effective_from desc
         limit 1
      ), 0)::numeric(16, 8) as cost
      from classified c
     where c.verdict = 'apply'
  ),
  written as (
    insert into public.cloud_messages as m (
      id, session_id, user_id, project_id, device_id, parent_id, message_index, role, content,
      reasoning, tool_calls, token_usage, model, input_tokens, output_tokens, cached_tokens,
      tokens_per_second, time_to_first_token_ms, cost_usd, created_at, last_modified_at,
      sync_version, deleted_at)
    select c.id, c.session_id, caller, c.session_project_id, caller_device, c.parent_id,
           c.message_index, c.role, c.content, c.reasoning, c.tool_calls, c.token_usage, c.model,
           c.input_tokens, c.output_tokens, c.cached_tokens, c.tokens_per_second,
           c.time_to_first_token_ms, c.cost, c.written_at,
           coalesce(c.last_modified_at, pg_catalog.now()), c.sync_version, c.deleted_at
      from priced c
    on conflict on constraint cloud_messages_pkey do update
      set parent_id = excluded.parent_id, message_index = excluded.message_index,
          role = excluded.role, content = excluded.content, reasoning = excluded.reasoning,
          tool_calls = excluded.tool_calls, token_usage = excluded.token_usage,
          model = excluded.model, input_tokens = excluded.input_tokens,
          output_tokens = excluded.output_tokens, cached_tokens = excluded.cached_tokens,
          tokens_per_second = excluded.tokens_per_second,
          time_to_first_token_ms = excluded.time_to_first_token_ms,
          cost_usd = excluded.cost_usd, created_at = excluded.created_at,
          last_modified_at = excluded.last_modified_at,
          sync_version = excluded.sync_version, deleted_at = excluded.deleted_at,
          updated_at = pg_catalog.now(),
          change_seq = (pg_catalog.pg_current_xact_id()::text)::bigint
      where m.sync_version < excluded.sync_version
        and m.user_id = excluded.user_id
        and m.session_id = excluded.session_id
    returning m.id, m.sync_version
  )
  select 'message'::text, c.id,
         case when c.verdict <> 'apply' then c.verdict
              when w.id is not null then 'applied'
              else 'conflict' end,
         coalesce(w.sync_version, c.current_version)
    from classified c
    left join written w on w.id = c.id;
  perform pg_catalog.set_config('lmx.trusted_message_write', '', true);
end;
$$;

-- Changes to the caller's own sessions and messages after a cursor, oldest first, in a
-- stable order: (change_seq, kind, id). change_seq is the id of the writing transaction, and
-- only rows older than every transaction still running are returned, so a transaction that
-- commits late can never land behind a cursor a device already holds. Tombstones are rows
-- with deleted_at set. The cursor is opaque to devices: pass back next_cursor. Security
-- invoker: the caller's own policies apply, and the explicit owner filter leaves out rows
-- the caller sees only as a project member.
create or replace function public.sync_pull(cursor text default null, max_rows integer default 1000)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  horizon bigint := (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
  after_seq bigint := 0;
  after_kind integer := 0;
  after_id uuid := '00000000-0000-0000-0000-000000000000';
  page_size integer := least(greatest(coalesce(max_rows, 1000), 1), 5000);
  max_uuid constant uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  parts text[];
  result jsonb;
begin
  if caller is null or not private.requester_is_active() then
    raise exception 'sign in to sync' using errcode = '42501';
  end if;
  if cursor is not null and cursor <> '' then
    parts := pg_catalog.string_to_array(cursor, ':');
    if pg_catalog.array_length(parts, 1) <> 3 or parts[1] !~ '^\d+$' or parts[2] !~ '^[01]$' then
      raise exception 'sync_pull: malformed cursor' using errcode = '22023';
    end if;
    after_seq := parts[1]::bigint;
    after_kind := parts[2]::integer;
    after_id := parts[3]::uuid;
  end if;

  with page as (
    select c.change_seq, c.kind, c.id, c.row
      from (
        (select s.change_seq, 0 as kind, s.id, pg_catalog.to_jsonb(s) as row
           from public.cloud_sessions s
          where s.user_id = caller
            and (s.change_seq, s.id) > (after_seq, case when after_kind = 0 then after_id else max_uuid end)
            and s.change_seq < horizon
          order by s.change_seq, s.id
          limit page_size + 1)
        union all
        (select m.change_seq, 1, m.id, pg_catalog.to_jsonb(m) - 'search'
           from public.cloud_messages m
          where m.user_id = caller
            and (m.change_seq, m.id) > (case when after_kind = 0 then after_seq - 1 else after_seq end,
                                        case when after_kind = 0 then max_uuid else after_id end)
            and m.change_seq < horizon
          order by m.change_seq, m.id
          limit page_size + 1)
      ) c
     order by c.change_seq, c.kind, c.id
     limit page_size + 1
  ),
  numbered as (
    select p.*, pg_catalog.row_number() over (order by p.change_seq, p.kind, p.id) as n from page p
  )
  select pg_catalog.jsonb_build_object(
    'changes', coalesce(pg_catalog.jsonb_agg(
       pg_catalog.jsonb_build_object('kind', case when x.kind = 0 then 'session' else 'message' end,
                                     'id', x.id, 'row', x.row)
       order by x.n) filter (where x.n <= page_size), '[]'::jsonb),
    'next_cursor', coalesce(
       (pg_catalog.array_agg(x.change_seq::text || ':' || x.kind::text || ':' || x.id::text order by x.n desc)
          filter (where x.n <= page_size))[1],
       nullif(cursor, '')),
    'has_more', pg_catalog.count(*) > page_size)
    into result
    from numbered x;
  return result;
end;
$$;

revoke execute on function public.sync_push(jsonb), public.sync_pull(text, integer) from public, anon;
grant execute on function public.sync_push(jsonb), public.sync_pull(text, integer) to authenticated, service_role;
