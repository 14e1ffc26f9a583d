-- sync_push in small pieces, and a batch priced once per price version instead of once per row
-- (issue #19). Four migrations copied the whole 140-line function to change one part; each part
-- is now its own private function, so the next change replaces only that part:
--   private.sync_push_sessions          read, classify and write the batch's sessions
--   private.sync_push_incoming_messages read, de-duplicate and normalise the batch's messages
--   private.sync_push_classify_messages lock the rows they replace and give each its verdict
--   private.model_price_versions        which prices apply to a user's models, per period
--   private.sync_push_write_messages    price the applied messages and write them
-- Pricing looked up model_prices twice per message and re-sorted the reference-model list per
-- message (~430 ms of ~890 ms for 10,000 messages). The price in force only changes at an
-- effective_from, so it is now chosen once per model and period, by the same rule as before
-- (private.message_cost: the user's own price effective by then, else the global one, latest
-- effective_from first), and each message joins its period. Answers, errors and costs are the
-- same as 20261205060000's sync_push; its signature and grants are unchanged.

-- A message's cost at per-million-token prices; cached tokens are part of the input and billed
-- at the cached rate. SQL-standard body so it is inlined into the statements that use it.
create function private.token_cost(
  input_tokens integer, output_tokens integer, cached_tokens integer,
  input_per_mtok numeric, cached_per_mtok numeric, output_per_mtok numeric
)
returns numeric
language sql
immutable
parallel safe
return ((input_tokens - cached_tokens) * input_per_mtok
        + cached_tokens * cached_per_mtok
        + output_tokens * output_per_mtok) / 1000000;

-- The prices in force for `models` as `for_user` sees them, one row per model and period
-- [valid_from, valid_until) (valid_until null: open-ended). A period starts at every
-- effective_from of the model's prices and of its reference model's, so within one period
-- neither changes. `reference_*` is the price of the model's reference cloud model (the
-- user's own mapping first); null rates mean no price (cost 0).
create function private.model_price_versions(for_user uuid, models text[])
returns table (
  model text, valid_from timestamptz, valid_until timestamptz,
  input_per_mtok numeric, cached_per_mtok numeric, output_per_mtok numeric,
  reference_input_per_mtok numeric, reference_cached_per_mtok numeric,
  reference_output_per_mtok numeric
)
language sql
stable
set search_path = ''
as $$
  with wanted as (
    select distinct m.model from pg_catalog.unnest(models) as m (model) where m.model is not null
  ),
  refs as (
    select distinct on (r.model) r.model, r.reference_model
      from public.model_references r
     where r.model in (select w.model from wanted w)
       and (r.user_id = for_user or r.user_id is null)
     order by r.model, r.user_id is null
  ),
  starts as (
    select w.model, '-infinity'::timestamptz as at from wanted w
    union
    select w.model, p.effective_from
      from wanted w
      left join refs rf on rf.model = w.model
      join public.model_prices p on p.model = any (array[w.model, rf.reference_model])
     where p.user_id = for_user or p.user_id is null
  ),
  periods as (
    select s.model, s.at as valid_from,
           pg_catalog.lead(s.at) over (partition by s.model order by s.at) as valid_until
      from starts s
  )
  select pe.model, pe.valid_from, pe.valid_until,
         own.input_per_mtok, own.cached_per_mtok, own.output_per_mtok,
         ref.input_per_mtok, ref.cached_per_mtok, ref.output_per_mtok
    from periods pe
    left join refs rf on rf.model = pe.model
    -- The rule of private.message_cost, taken at the period's start.
    left join lateral (
      select p.input_per_mtok, p.cached_per_mtok, p.output_per_mtok
        from public.model_prices p
       where p.model = pe.model
         and (p.user_id = for_user or p.user_id is null)
         and p.effective_from <= pe.valid_from
       order by p.user_id is null, p.effective_from desc
       limit 1
    ) own on true
    left join lateral (
      select p.input_per_mtok, p.cached_per_mtok, p.output_per_mtok
        from public.model_prices p
       where p.model = rf.reference_model
         and (p.user_id = for_user or p.user_id is null)
         and p.effective_from <= pe.valid_from
       order by p.user_id is null, p.effective_from desc
       limit 1
    ) ref on true
$$;

-- The sessions of a batch: unchanged from 20261205060000's sync_push.
create function private.sync_push_sessions(
  items jsonb, caller uuid, caller_device uuid, written_device uuid
)
returns table (kind text, id uuid, status text, server_version bigint, reason text)
language plpgsql
volatile
set search_path = ''
as $$
begin
  return query
  with incoming as (
    select distinct on (x.id) x.*
      from pg_catalog.jsonb_to_recordset(items) as x(
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
end;
$$;

-- The messages of a batch, the latest sync_version of each id, with tombstones emptied and
-- token counts taken from token_usage where the columns are absent. `rows 100` keeps the
-- planner's estimate of the JSON it replaces.
create function private.sync_push_incoming_messages(items jsonb)
returns table (
  id uuid, client_id text, session_id uuid, sync_version bigint, parent_id uuid,
  message_index integer, role text, content text, reasoning text, tool_calls jsonb,
  token_usage jsonb, model text, input_tokens integer, output_tokens integer,
  cached_tokens integer, tokens_per_second real, time_to_first_token_ms integer,
  created_at timestamptz, last_modified_at timestamptz, deleted_at timestamptz
)
language sql
stable
rows 100
set search_path = ''
as $$
  select i.id, i.client_id, i.session_id, i.sync_version, i.parent_id, i.message_index, i.role,
         case when i.deleted_at is null then coalesce(i.content, '') else '' end,
         case when i.deleted_at is null then i.reasoning end,
         case when i.deleted_at is null then i.tool_calls end,
         i.token_usage, i.model,
         coalesce(i.input_tokens, (i.token_usage ->> 'input_tokens')::integer,
                  (i.token_usage ->> 'prompt_tokens')::integer, 0),
         coalesce(i.output_tokens, (i.token_usage ->> 'output_tokens')::integer,
                  (i.token_usage ->> 'completion_tokens')::integer, 0),
         coalesce(i.cached_tokens, (i.token_usage ->> 'cached_tokens')::integer, 0),
         i.tokens_per_second, i.time_to_first_token_ms, i.created_at, i.last_modified_at, i.deleted_at
    from (
      select distinct on (x.id) x.*
        from pg_catalog.jsonb_to_recordset(items) as x(
          id uuid, client_id text, session_id uuid, sync_version bigint, parent_id uuid,
          message_index integer, role text, content text, reasoning text, tool_calls jsonb,
          token_usage jsonb, model text, input_tokens integer, output_tokens integer,
          cached_tokens integer, tokens_per_second real, time_to_first_token_ms integer,
          created_at timestamptz, last_modified_at timestamptz, deleted_at timestamptz)
       order by x.id, x.sync_version desc
    ) i
$$;

-- Each incoming message with the row it would replace (locked), its session's project and its
-- verdict: 'apply:', 'duplicate:', 'rejected:<reason>' or 'conflict:<reason>'.
create function private.sync_push_classify_messages(items jsonb, caller uuid, caller_device uuid)
returns table (
  id uuid, client_id text, session_id uuid, sync_version bigint, parent_id uuid,
  message_index integer, role text, content text, reasoning text, tool_calls jsonb,
  token_usage jsonb, model text, input_tokens integer, output_tokens integer,
  cached_tokens integer, tokens_per_second real, time_to_first_token_ms integer,
  created_at timestamptz, last_modified_at timestamptz, deleted_at timestamptz,
  current_id uuid, current_device uuid, current_version bigint, session_project_id uuid,
  written_at timestamptz, verdict text
)
language plpgsql
volatile
rows 100
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with incoming as materialized (
    select * from private.sync_push_incoming_messages(items)
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
      from incoming n
      left join current_rows c on c.id = n.id
      left join sessions ss on ss.id = n.session_id
  )
  select c.id, c.client_id, c.session_id, c.sync_version, c.parent_id, c.message_index, c.role,
         c.content, c.reasoning, c.tool_calls, c.token_usage, c.model, c.input_tokens,
         c.output_tokens, c.cached_tokens, c.tokens_per_second, c.time_to_first_token_ms,
         c.created_at, c.last_modified_at, c.deleted_at,
         c.current_id, c.current_device, c.current_version, c.session_project_id, c.written_at,
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
    end
    from compared c;
end;
$$;

-- The messages of a batch: classified, the applied ones priced and written (owner, project and
-- prices for the whole batch at once: the message trigger does not run while
-- lmx.trusted_message_write is on), and one answer row per message.
create function private.sync_push_write_messages(
  items jsonb, caller uuid, caller_device uuid, written_device uuid
)
returns table (kind text, id uuid, status text, server_version bigint, reason text)
language plpgsql
volatile
set search_path = ''
as $$
begin
  return query
  with classified as materialized (
    select * from private.sync_push_classify_messages(items, caller, caller_device)
  ),
  applied as (
    -- The device the row has once written: a new row gets written_device, an existing row
    -- keeps its own (the update below never changes device_id).
    select c.*, case when c.current_id is null then written_device else c.current_device end
             as priced_device
      from classified c
     where c.verdict = 'apply:'
  ),
  versions as materialized (
    select *
      from private.model_price_versions(caller, array(select distinct a.model from applied a))
  ),
  device_rates as materialized (
    select dp.device_id, dp.mode, dp.usd_per_hour, dp.usd_per_kwh, dp.busy_watts
      from public.device_prices dp
     where dp.device_id = any (array(select distinct a.priced_device from applied a))
  ),
  priced as (
    select a.*,
      coalesce(private.token_cost(a.input_tokens, a.output_tokens, a.cached_tokens,
        v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0)::numeric(16, 8) as cost,
      -- private.message_local_cost, inlined.
      coalesce(case when a.tokens_per_second > 0 then
        case dp.mode
          when 'hourly' then (a.output_tokens / a.tokens_per_second::numeric
            + coalesce(a.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.usd_per_hour
          else (a.output_tokens / a.tokens_per_second::numeric
            + coalesce(a.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.busy_watts / 1000 * dp.usd_per_kwh
        end
      end, 0)::numeric(16, 8) as local_cost,
      coalesce(private.token_cost(a.input_tokens, a.output_tokens, a.cached_tokens,
        v.reference_input_per_mtok, v.reference_cached_per_mtok, v.reference_output_per_mtok),
        0)::numeric(16, 8) as cloud_equivalent
      from applied a
      left join versions v
        on v.model = a.model and a.written_at >= v.valid_from
       and (v.valid_until is null or a.written_at < v.valid_until)
      left join device_rates dp on dp.device_id = a.priced_device
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
end;
$$;

revoke execute on function
  private.token_cost(integer, integer, integer, numeric, numeric, numeric),
  private.model_price_versions(uuid, text[]),
  private.sync_push_sessions(jsonb, uuid, uuid, uuid),
  private.sync_push_incoming_messages(jsonb),
  private.sync_push_classify_messages(jsonb, uuid, uuid),
  private.sync_push_write_messages(jsonb, uuid, uuid, uuid)
  from public, anon, authenticated;

-- Who may push and what a batch may hold, then the pieces above.
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
  select * from private.sync_push_sessions(
    coalesce(batch -> 'sessions', '[]'::jsonb), caller, caller_device, written_device);

  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  return query
  select * from private.sync_push_write_messages(
    coalesce(batch -> 'messages', '[]'::jsonb), caller, caller_device, written_device);
  perform pg_catalog.set_config('lmx.trusted_message_write', '', true);
end;
$$;
