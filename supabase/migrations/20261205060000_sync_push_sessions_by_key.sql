-- sync_push's cost grew with the number of sessions the caller already had (issue #19): the
-- batch's sessions were found by a semi join against the pushed messages, which the planner
-- estimates at 100 rows (a function scan of the JSON), so it walked the caller's sessions by
-- user_id and scanned all 10,000 messages of the batch once per session (1,000,000 comparisons
-- with 200 sessions, 0.6 s of a 3.3 s push on a loaded machine). They are now looked up by
-- primary key from the batch's distinct session ids.
--
-- Redefines public.sync_push(jsonb, uuid) from 20261203028000_chat_priced_by_device.sql with
-- that one change (the `sessions` CTE); the signature, grants and everything else are the same.

create or replace function public.sync_push(batch jsonb, answered_by uuid default null)
returns table (kind text, id uuid, status text, server_version bigint, reason text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_device uuid := private.current_device_id();
  -- The device new rows are written for: the calling device, or the one a console chat was
  -- answered by.
  written_device uuid;
  item_count integer;
begin
  if caller is null then
    raise exception 'sign in to sync' using errcode = '42501';
  end if;
  if private.is_device_request() and caller_device is null then
    raise exception 'this device is revoked or unknown' using errcode = '42501';
  end if;
  -- A device writes as itself: it never names another. A user names only a device they may
  -- chat with (private.may_chat_with_device, which is false for device requests).
  if answered_by is not null and not (select private.may_chat_with_device(answered_by)) then
    raise exception 'you may not chat with this device' using errcode = '42501';
  end if;
  written_device := coalesce(caller_device, answered_by);
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
        id uuid, client_id text, sync_version bigint, title text, model text, project_id uuid,
        parent_id uuid, branch_point integer, metadata jsonb, created_at timestamptz,
        last_modified_at timestamptz, deleted_at timestamptz)
     order by x.id, x.sync_version desc
  ),
  current_rows as (
    select s.id, s.user_id, s.device_id, s.sync_version, s.title, s.model, s.project_id,
           s.parent_id, s.branch_point, s.metadata, s.deleted_at, s.created_at, s.last_modified_at
      from public.cloud_sessions s
     where s.id in (select i.id from incoming i)
       for update
  ),
  compared as (
    select i.*, c.id as current_id, c.user_id as current_user_id, c.device_id as current_device,
           c.sync_version as current_version, c.created_at as current_created_at,
           c.last_modified_at as current_modified_at,
           (coalesce(i.title, ''), i.model, i.project_id, i.parent_id, i.branch_point,
            coalesce(i.metadata, '{}'::jsonb), i.deleted_at)
             is not distinct from
           (c.title, c.model, c.project_id, c.parent_id, c.branch_point, c.metadata, c.deleted_at)
             as same_content
      from incoming i
      left join current_rows c on c.id = i.id
  ),
  classified as (
    select c.*,
      case
        when c.id is null or c.sync_version is null or c.sync_version < 1 then 'rejected:invalid_item'
        when c.current_id is not null and c.current_user_id <> caller then 'rejected:other_account'
        when c.current_id is not null and c.sync_version = c.current_version and c.same_content
          then 'duplicate:'
        when c.current_id is not null and caller_device is not null
          and c.current_device is distinct from caller_device then 'rejected:other_device'
        when c.project_id is not null
          and c.project_id not in (select private.my_project_ids('developer')) then 'rejected:project_forbidden'
        when c.current_id is null or c.sync_version > c.current_version then 'apply:'
        when c.sync_version = c.current_version
          and c.last_modified_at > c.current_modified_at then 'apply:'
        when c.sync_version = c.current_version then 'conflict:same_version_differs'
        else 'conflict:server_newer'
      end as verdict
      from compared c
  ),
  written as (
    insert into public.cloud_sessions as s (
      id, client_id, user_id, device_id, project_id, title, model, parent_id, branch_point,
      metadata, created_at, last_modified_at, sync_version, deleted_at)
    select c.id, c.client_id, caller, written_device, c.project_id, coalesce(c.title, ''), c.model,
           c.parent_id, c.branch_point, coalesce(c.metadata, '{}'::jsonb),
           coalesce(c.created_at, c.current_created_at, pg_catalog.now()),
           coalesce(c.last_modified_at, pg_catalog.now()), c.sync_version, c.deleted_at
      from classified c
     where c.verdict = 'apply:'
    on conflict on constraint cloud_sessions_pkey do update
      set client_id = coalesce(excluded.client_id, s.client_id),
          project_id = excluded.project_id, title = excluded.title, model = excluded.model,
          parent_id = excluded.parent_id, branch_point = excluded.branch_point,
          metadata = excluded.metadata, created_at = excluded.created_at,
          last_modified_at = excluded.last_modified_at, sync_version = excluded.sync_version,
          deleted_at = excluded.deleted_at
      where (s.sync_version, s.last_modified_at) < (excluded.sync_version, excluded.last_modified_at)
        and s.user_id = excluded.user_id
    returning s.id, s.sync_version
  )
  select 'session'::text, c.id,
         case when c.verdict <> 'apply:' then pg_catalog.split_part(c.verdict, ':', 1)
              when w.id is not null then 'applied'
              else 'conflict' end,
         coalesce(w.sync_version, c.current_version),
         case when c.verdict <> 'apply:' then nullif(pg_catalog.split_part(c.verdict, ':', 2), '')
              when w.id is null then 'server_newer' end
    from classified c
    left join written w on w.id = c.id;

  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  return query
  with incoming as (
    select distinct on (x.id) x.*
      from pg_catalog.jsonb_to_recordset(coalesce(batch -> 'messages', '[]'::jsonb)) as x(
        id uuid, client_id text, session_id uuid, sync_version bigint, parent_id uuid,
        message_index integer, role text, content text, reasoning text, tool_calls jsonb,
        token_usage jsonb, model text, input_tokens integer, output_tokens integer,
        cached_tokens integer, tokens_per_second real, time_to_first_token_ms integer,
        created_at timestamptz, last_modified_at timestamptz, deleted_at timestamptz)
     order by x.id, x.sync_version desc
  ),
  current_rows as (
    select m.id, m.user_id, m.session_id, m.device_id, m.sync_version, m.parent_id, m.message_index,
           m.role, m.content, m.model, m.input_tokens, m.output_tokens, m.cached_tokens,
           m.tool_calls, m.deleted_at, m.created_at, m.last_modified_at
      from public.cloud_messages m
     where m.id in (select i.id from incoming i)
       for update
  ),
  -- Looked up by primary key: as a semi join against `incoming` (which the planner takes for
  -- 100 rows) it scanned the batch once per session of the caller's.
  sessions as (
    select s.id, s.project_id
      from public.cloud_sessions s
     where s.id = any (array(select distinct i.session_id from incoming i))
       and s.user_id = caller
  ),
  normalized as (
    select i.id, i.client_id, i.session_id, i.sync_version, i.parent_id, i.message_index, i.role,
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
  compared as (
    select n.*, c.id as current_id, c.user_id as current_user_id, c.device_id as current_device,
           c.session_id as current_session_id, c.sync_version as current_version,
           c.last_modified_at as current_modified_at,
           ss.id as owned_session_id, ss.project_id as session_project_id,
           coalesce(n.created_at, c.created_at, pg_catalog.now()) as written_at,
           (n.parent_id, n.message_index, n.role, n.content, n.model, n.input_tokens,
            n.output_tokens, n.cached_tokens, n.tool_calls, n.deleted_at)
             is not distinct from
           (c.parent_id, c.message_index, c.role, c.content, c.model, c.input_tokens,
            c.output_tokens, c.cached_tokens, c.tool_calls, c.deleted_at) as same_content
      from normalized n
      left join current_rows c on c.id = n.id
      left join sessions ss on ss.id = n.session_id
  ),
  classified as (
    select c.*,
      case
        when c.id is null or c.sync_version is null or c.sync_version < 1 then 'rejected:invalid_item'
        when c.current_id is not null and c.current_user_id <> caller then 'rejected:other_account'
        when c.owned_session_id is null then 'rejected:session_not_found'
        when c.current_id is not null and c.current_session_id <> c.session_id then 'rejected:session_mismatch'
        when c.current_id is not null and c.sync_version = c.current_version and c.same_content
          then 'duplicate:'
        when c.current_id is not null and caller_device is not null
          and c.current_device is distinct from caller_device then 'rejected:other_device'
        when c.current_id is null or c.sync_version > c.current_version then 'apply:'
        when c.sync_version = c.current_version
          and c.last_modified_at > c.current_modified_at then 'apply:'
        when c.sync_version = c.current_version then 'conflict:same_version_differs'
        else 'conflict:server_newer'
      end as verdict
      from compared c
  ),
  -- Each model's reference cloud model (the caller's own mapping first), once per batch.
  references_used as (
    select distinct on (r.model) r.model, r.reference_model
      from public.model_references r
     where r.model in (select c.model from classified c)
       and (r.user_id = caller or r.user_id is null)
     order by r.model, r.user_id is null
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
      ), 0)::numeric(16, 8) as cost,
      -- private.message_local_cost and private.message_cloud_equivalent, inlined, with the
      -- device's price and each model's reference looked up once for the batch.
      coalesce(case when c.tokens_per_second > 0 then
        case dp.mode
          when 'hourly' then (c.output_tokens / c.tokens_per_second::numeric
            + coalesce(c.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.usd_per_hour
          else (c.output_tokens / c.tokens_per_second::numeric
            + coalesce(c.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.busy_watts / 1000 * dp.usd_per_kwh
        end
      end, 0)::numeric(16, 8) as local_cost,
      coalesce(case when rf.reference_model is not null then
        coalesce((
          select ((c.input_tokens - c.cached_tokens) * p.input_per_mtok
                  + c.cached_tokens * p.cached_per_mtok
                  + c.output_tokens * p.output_per_mtok) / 1000000
            from public.model_prices p
           where p.model = rf.reference_model
             and (p.user_id = caller or p.user_id is null)
             and p.effective_from <= c.written_at
           order by p.user_id is null, p.effective_from desc
           limit 1
        ), 0)::numeric(16, 8)
      end, 0)::numeric(16, 8) as cloud_equivalent
      from classified c
      -- The device the row has once written: a new row gets written_device, an existing
      -- row keeps its own (the update below never changes device_id).
      left join public.device_prices dp
        on dp.device_id = case when c.current_id is null then written_device else c.current_device end
      left join references_used rf on rf.model = c.model
     where c.verdict = 'apply:'
  ),
  written as (
    insert into public.cloud_messages as m (
      id, client_id, session_id, user_id, project_id, device_id, parent_id, message_index, role,
      content, reasoning, tool_calls, token_usage, model, input_tokens, output_tokens,
      cached_tokens, tokens_per_second, time_to_first_token_ms, cost_usd, local_cost_usd,
      cloud_equivalent_usd, created_at, last_modified_at, sync_version, deleted_at)
    select c.id, c.client_id, c.session_id, caller, c.session_project_id, written_device,
           c.parent_id, c.message_index, c.role, c.content, c.reasoning, c.tool_calls,
           c.token_usage, c.model, c.input_tokens, c.output_tokens, c.cached_tokens,
           c.tokens_per_second, c.time_to_first_token_ms, c.cost, c.local_cost,
           c.cloud_equivalent, c.written_at,
           coalesce(c.last_modified_at, pg_catalog.now()), c.sync_version, c.deleted_at
      from priced c
    on conflict on constraint cloud_messages_pkey do update
      set client_id = coalesce(excluded.client_id, m.client_id),
          parent_id = excluded.parent_id, message_index = excluded.message_index,
          role = excluded.role, content = excluded.content, reasoning = excluded.reasoning,
          tool_calls = excluded.tool_calls, token_usage = excluded.token_usage,
          model = excluded.model, input_tokens = excluded.input_tokens,
          output_tokens = excluded.output_tokens, cached_tokens = excluded.cached_tokens,
          tokens_per_second = excluded.tokens_per_second,
          time_to_first_token_ms = excluded.time_to_first_token_ms,
          cost_usd = excluded.cost_usd, local_cost_usd = excluded.local_cost_usd,
          cloud_equivalent_usd = excluded.cloud_equivalent_usd, created_at = excluded.created_at,
          last_modified_at = excluded.last_modified_at,
          sync_version = excluded.sync_version, deleted_at = excluded.deleted_at,
          updated_at = pg_catalog.now(),
          change_seq = (pg_catalog.pg_current_xact_id()::text)::bigint
      where (m.sync_version, m.last_modified_at) < (excluded.sync_version, excluded.last_modified_at)
        and m.user_id = excluded.user_id
        and m.session_id = excluded.session_id
    returning m.id, m.sync_version
  )
  select 'message'::text, c.id,
         case when c.verdict <> 'apply:' then pg_catalog.split_part(c.verdict, ':', 1)
              when w.id is not null then 'applied'
              else 'conflict' end,
         coalesce(w.sync_version, c.current_version),
         case when c.verdict <> 'apply:' then nullif(pg_catalog.split_part(c.verdict, ':', 2), '')
              when w.id is null then 'server_newer' end
    from classified c
    left join written w on w.id = c.id;
  perform pg_catalog.set_config('lmx.trusted_message_write', '', true);
end;
$$;
