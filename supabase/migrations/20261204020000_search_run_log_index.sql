-- The run log search reads its GIN index again (issue #12's bench: p95 < 100 ms over a
-- 100,000-line log). EXPLAIN (ANALYZE) of ops.search_run_log's query as a member showed a
-- sequential scan of the whole run: the text-search match (`@@`) is not leakproof, so under
-- the run_logs select policy Postgres may not use it as an index condition ahead of the
-- policy's own test, and it was evaluated, with the colour-stripping regexp, on every line
-- (118 ms for one hit, against 0.7 ms for the same query reading run_logs_search_idx).
--
-- The search itself now runs in a security definer helper that applies the policy's rule
-- (the run's project among the caller's viewer projects) once, up front, and then reads the
-- index. The public function stays security invoker: it finds the run through ops.runs' own
-- select policy first, so who may search a log is decided exactly as before. Each query form
-- is its own statement (no "words is null or …"), so a plan cached by PL/pgSQL never loses the
-- index. Same signature, same rows.

create or replace function private.run_log_search_hits(
  p_run_id uuid,
  p_project_id uuid,
  p_words text,
  p_pattern text,
  p_limit integer
)
returns table (line_no integer, total bigint)
language plpgsql
stable
security definer
set search_path = ''
-- Planned with each call's values: a generic plan (PL/pgSQL's choice after five calls on one
-- connection) guesses the run's share of the log and the words' rarity, and read the whole
-- run instead of the index (raw SQL over one connection: 50 ms, then 700 ms).
set plan_cache_mode = force_custom_plan
as $$
begin
  -- The run_logs select policy's rule, checked once for the run's project. The service role
  -- reads every log, as it bypasses that policy.
  if not (
    p_project_id in (select private.my_project_ids('viewer'))
    or pg_catalog.current_setting('role', true) = 'service_role'
  ) then
    return;
  end if;

  if p_words is null then
    return query
      select h.line_no, pg_catalog.count(*) over ()
        from ops.run_logs h
       where h.run_id = p_run_id
         and h.project_id = p_project_id
         and pg_catalog.regexp_replace(h.line, E'\\x1b\\[[0-9;]*[A-Za-z]', '', 'g') ilike p_pattern
       order by h.line_no
       limit p_limit;
  else
    return query
      select h.line_no, pg_catalog.count(*) over ()
        from ops.run_logs h
       where h.run_id = p_run_id
         and h.project_id = p_project_id
         and h.search @@ pg_catalog.to_tsquery('simple', p_words)
         and pg_catalog.regexp_replace(h.line, E'\\x1b\\[[0-9;]*[A-Za-z]', '', 'g') ilike p_pattern
       order by h.line_no
       limit p_limit;
  end if;
end;
$$;

revoke execute on function private.run_log_search_hits(uuid, uuid, text, text, integer)
  from public, anon;
grant execute on function private.run_log_search_hits(uuid, uuid, text, text, integer)
  to authenticated, service_role;

-- Lines of a run's log that contain every word of the query (case-insensitive, ANSI colour
-- codes ignored), in order. The FTS column narrows a long log to lines holding words that
-- start like the query's; the substring test then keeps exact matches only, so the count is
-- what the viewer highlights. A query without letters or digits is matched by substring only.
create or replace function ops.search_run_log(p_run_id uuid, p_query text, p_limit integer default 1000)
returns table (line_no integer, total bigint)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  needle text := pg_catalog.left(pg_catalog.btrim(coalesce(p_query, '')), 200);
  words text;
  pattern text;
  run_project uuid;
begin
  if needle = '' then
    return;
  end if;
  -- The run as the caller may see it (ops.runs' select policy): a run out of reach has no log.
  select r.project_id into run_project from ops.runs r where r.id = p_run_id;
  if run_project is null then
    return;
  end if;
  select pg_catalog.string_agg(t || ':*', ' & ')
    into words
    from pg_catalog.regexp_split_to_table(pg_catalog.lower(needle), '[^[:alnum:]_]+') as t
   where t <> '';
  pattern := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
    needle, '\', '\\'), '%', '\%'), '_', '\_') || '%';

  return query
    select s.line_no, s.total
      from private.run_log_search_hits(p_run_id, run_project, words, pattern,
        least(greatest(coalesce(p_limit, 1000), 1), 5000)) s;
end;
$$;
