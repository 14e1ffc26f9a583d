-- Platform bootstrap: the change check for a batch of changes to one table (the changes that
-- arrived together), so fan-out costs one round trip and one RLS lookup per distinct subscriber
-- identity per batch, not per change. It mirrors Supabase Realtime's realtime.apply_rls: the row
-- is looked up by primary key in a statement prepared once with the key values as literals, then
-- executed as each subscriber (set_config of role and request.jwt.claims, `execute
-- walrus_rls_stmt` there). Realtime prepares one such statement per WAL record; this one holds
-- the keys of every change in the batch and answers, per subscriber identity, which of them
-- that identity may select.
--
-- filter_rows: one row per change (the new row; the old one for a delete), for the filters.
-- keys: one primary key object per change, or null when RLS is not checked (no RLS, a delete).
-- Returns {filters: [[bool per change] per filter set], visible: [[change ordinal] per claim set]}.
create or replace function _realtime.check_changes(
  entity regclass,
  filter_rows jsonb,
  keys jsonb,
  filter_sets jsonb,
  claim_sets jsonb
) returns jsonb
language plpgsql
as $$
declare
  filter_set jsonb;
  filter_item jsonb;
  claim_set jsonb;
  predicate text;
  col_type text;
  op_symbol text;
  result jsonb;
  filter_results jsonb := '[]'::jsonb;
  visible jsonb := '[]'::jsonb;
  key_columns text[];
  key_types text[];
  key_values text;
  role_name text;
  current_role_name text;
begin
  -- Filters do not depend on who is asking: each distinct set is evaluated once over the batch.
  for filter_set in select * from jsonb_array_elements(coalesce(filter_sets, '[]'::jsonb)) loop
    predicate := null;
    for filter_item in select * from jsonb_array_elements(filter_set) loop
      select pg_catalog.format_type(a.atttypid, a.atttypmod) into col_type
      from pg_catalog.pg_attribute a
      where a.attrelid = entity and a.attname = filter_item ->> 'column' and a.attnum > 0 and not a.attisdropped;
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
    if predicate is null then
      select coalesce(jsonb_agg(true), '[]'::jsonb) into result
      from jsonb_array_elements(filter_rows);
    else
      execute format(
        'select coalesce(jsonb_agg(coalesce(%s, false) order by e.ord), ''[]''::jsonb)
         from jsonb_array_elements($1) with ordinality e(v, ord)
         cross join lateral pg_catalog.jsonb_populate_record(null::%s, e.v) r',
        predicate, entity
      ) into result using filter_rows;
    end if;
    filter_results := filter_results || jsonb_build_array(result);
  end loop;

  if keys is not null and jsonb_array_length(keys) > 0 then
    select array_agg(c.name order by c.name),
           array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) order by c.name)
      into key_columns, key_types
    from jsonb_object_keys(keys -> 0) c(name)
    join pg_catalog.pg_attribute a
      on a.attrelid = entity and a.attname = c.name and a.attnum > 0 and not a.attisdropped;
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
         select coalesce(jsonb_agg(k."#" order by k."#"), ''[]''::jsonb)
         from (values %s) k("#", %s)
         where exists (select 1 from %s t where %s)',
      key_values,
      (select string_agg(format('%I', c), ', ' order by i) from unnest(key_columns) with ordinality u(c, i)),
      entity,
      (select string_agg(format('t.%1$I = k.%1$I', c), ' and ') from unnest(key_columns) c)
    );
    for claim_set in select * from jsonb_array_elements(coalesce(claim_sets, '[]'::jsonb)) loop
      role_name := claim_set ->> 'role';
      if current_role_name is distinct from role_name then
        perform set_config('role', role_name, true);
        current_role_name := role_name;
      end if;
      perform set_config('request.jwt.claims', (claim_set -> 'claims')::text, true);
      execute 'execute _realtime_rls_batch' into result;
      visible := visible || jsonb_build_array(result);
    end loop;
    perform set_config('role', 'none', true);
    deallocate _realtime_rls_batch;
  end if;

  return jsonb_build_object('filters', filter_results, 'visible', visible);
end
$$;
revoke all on function _realtime.check_changes(regclass, jsonb, jsonb, jsonb, jsonb) from public;
