-- Platform bootstrap: the batch change check (35_realtime_batched_check.sql) with its cost per
-- subscriber identity cut down, since a batch runs it once per distinct (role, claims) and
-- 100 users watching one table mean 100 runs per batch. Same semantics, mirroring Supabase
-- Realtime's realtime.apply_rls: the row is looked up by primary key in a statement prepared once
-- per batch with the key values as literals, then executed as each subscriber (set_config of role
-- and request.jwt.claims, `execute walrus_rls_stmt` there).
--
-- What changed against _realtime.check_changes:
-- - filters first, and RLS only for the subscriber identities one of whose filter sets matches a
--   change of the batch, as apply_rls only checks the subscriptions that pass
--   realtime.is_visible_through_filters (a user watching `user_id=eq.<own id>` costs nothing
--   when another user's row changes);
-- - every filter set is evaluated in one statement over the batch, with the column types read
--   once, not one statement and one catalog lookup per filter;
-- - the claims are unpacked once into arrays, not read back from jsonb per subscriber;
-- - each run answers a text list of ordinals, gathered in a text[] (appending to a jsonb array
--   copied the whole growing array on each subscriber, quadratic in subscribers × changes);
-- - the answer is JSON text built once at the end.
--
-- filter_rows: one row per change (the new row; the old one for a delete), for the filters.
-- keys: one primary key object per change, or null when RLS is not checked (no RLS, a delete).
-- claim_sets: [{role, claims, filters?}], best grouped by role (the role is switched only when
-- it changes); filters lists the indexes of the filter sets of that identity's bindings, and
-- when given, RLS is checked only if one of them matches a change of the batch.
-- Returns JSON text {"filters": [[bool per change] per filter set],
-- "visible": [[change ordinal…] per claim set]}.
create or replace function _realtime.check_change_batch(
  entity regclass,
  filter_rows jsonb,
  keys jsonb,
  filter_sets jsonb,
  claim_sets jsonb
) returns text
language plpgsql
as $$
declare
  filter_set jsonb;
  filter_item jsonb;
  predicate text;
  predicates text[] := '{}';
  col_types jsonb;
  col_type text;
  op_symbol text;
  result text;
  filter_results text[] := '{}';
  filter_matched boolean[] := '{}';
  visible text[] := '{}';
  key_columns text[];
  key_types text[];
  key_values text;
  roles text[];
  claims text[];
  claim_filters jsonb[];
  current_role_name text;
begin
  -- Filters do not depend on who is asking: each distinct set is evaluated once over the batch,
  -- all of them in one statement.
  select coalesce(jsonb_object_agg(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)), '{}')
    into col_types
  from pg_catalog.pg_attribute a
  where a.attrelid = entity and a.attnum > 0 and not a.attisdropped;
  for filter_set in select * from jsonb_array_elements(coalesce(filter_sets, '[]'::jsonb)) loop
    predicate := null;
    for filter_item in select * from jsonb_array_elements(filter_set) loop
      col_type := col_types ->> (filter_item ->> 'column');
      if col_type is null then
        raise exception 'invalid column for filter %', filter_item ->> 'column';
      end if;
      op_symbol := case filter_item ->> 'op'
        when 'eq' then '=' when 'neq' then '<>' when 'lt' then '<' when 'lte' then '<='
        when 'gt' then '>' when 'gte' then '>=' when 'in' then '= any' end;
      if op_symbol is null then
        raise exception 'unsupported filter operator %', filter_item ->> 'op';
      end if;
      predicate := coalesce(predicate || ' and ', '') || format(
        'coalesce(r.%I %s (%L::%s), false)',
        filter_item ->> 'column',
        op_symbol,
        filter_item ->> 'value',
        case when filter_item ->> 'op' = 'in' then col_type || '[]' else col_type end
      );
    end loop;
    predicates := predicates || format(
      'coalesce(string_agg(coalesce(%s, false)::text, '','' order by e.ord), '''')',
      coalesce(predicate, 'true')
    );
  end loop;
  if coalesce(array_length(predicates, 1), 0) > 0 then
    execute format(
      'select array[%s]
       from jsonb_array_elements($1) with ordinality e(v, ord)
       cross join lateral pg_catalog.jsonb_populate_record(null::%s, e.v) r',
      array_to_string(predicates, ', '), entity
    ) into filter_results using filter_rows;
    for i in 1 .. array_length(filter_results, 1) loop
      filter_matched := filter_matched || (pg_catalog.strpos(filter_results[i], 'true') > 0);
      filter_results[i] := '[' || filter_results[i] || ']';
    end loop;
  end if;

  if keys is not null and jsonb_array_length(keys) > 0 then
    select array_agg(c.name order by c.name),
           array_agg(col_types ->> c.name order by c.name)
      into key_columns, key_types
    from jsonb_object_keys(keys -> 0) c(name)
    where col_types ? c.name;
    if key_columns is null then
      raise exception 'no key columns for %', entity;
    end if;
    -- (ordinal, key values…) for every change; "#" cannot clash with a column of the key.
    select string_agg(format('(%s%s)', e.ord - 1, (
             select string_agg(format(', %L::%s', e.v ->> key_columns[i], key_types[i]), '' order by i)
             from generate_subscripts(key_columns, 1) i)), ', ' order by e.ord)
      into key_values
    from jsonb_array_elements(keys) with ordinality e(v, ord);
    if exists (select 1 from pg_catalog.pg_prepared_statements where name = '_realtime_rls_batch') then
      deallocate _realtime_rls_batch;
    end if;
    execute format(
      'prepare _realtime_rls_batch as
         select coalesce(string_agg(k."#"::text, '','' order by k."#"), '''')
         from (values %s) k("#", %s)
         where exists (select 1 from %s t where %s)',
      key_values,
      (select string_agg(format('%I', c), ', ' order by i) from unnest(key_columns) with ordinality u(c, i)),
      entity,
      (select string_agg(format('t.%1$I = k.%1$I', c), ' and ') from unnest(key_columns) c)
    );
    select array_agg(c ->> 'role' order by ord), array_agg((c -> 'claims')::text order by ord),
           array_agg(c -> 'filters' order by ord)
      into roles, claims, claim_filters
    from jsonb_array_elements(coalesce(claim_sets, '[]'::jsonb)) with ordinality s(c, ord);
    for i in 1 .. coalesce(array_length(roles, 1), 0) loop
      -- No change of the batch passes this identity's filters: what RLS says cannot matter.
      if claim_filters[i] is not null and not exists (
        select 1 from jsonb_array_elements_text(claim_filters[i]) f
        where filter_matched[f::int + 1]
      ) then
        visible := visible || '[]'::text;
        continue;
      end if;
      if current_role_name is distinct from roles[i] then
        perform pg_catalog.set_config('role', roles[i], true);
        current_role_name := roles[i];
      end if;
      perform pg_catalog.set_config('request.jwt.claims', claims[i], true);
      execute 'execute _realtime_rls_batch' into result;
      visible := visible || ('[' || result || ']');
    end loop;
    perform pg_catalog.set_config('role', 'none', true);
    deallocate _realtime_rls_batch;
  end if;

  return '{"filters":[' || array_to_string(filter_results, ',')
    || '],"visible":[' || array_to_string(visible, ',') || ']}';
end
$$;
revoke all on function _realtime.check_change_batch(regclass, jsonb, jsonb, jsonb, jsonb) from public;

-- Superseded by the function above; nothing calls it any more.
drop function if exists _realtime.check_changes(regclass, jsonb, jsonb, jsonb, jsonb);
