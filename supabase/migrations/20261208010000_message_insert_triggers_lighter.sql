-- A message insert's search-pending rows are a plain insert (issue #19: sync_push of 10,000
-- messages; docs/sessions.md "Where sync_push's time goes"). A pending row only exists for a
-- stored message (message_search_remove deletes it with the message, message_search_clear on
-- truncate), and an insert trigger's rows are messages that were not stored, so no conflict can
-- arise; the speculative insertion of `on conflict do nothing` cost about as much again as the
-- insert. The rest of the insert path's lighter triggers (versions by price period, counters and
-- activity in one update) are in 20261207010000, which had not landed when they were written.

create or replace function private.message_search_add()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if (select count(*) from new_rows) <= private.message_search_inline_limit() then
    insert into private.message_search as x (message_id, search)
    select n.id, private.message_search_vector(n.content) from new_rows n
    on conflict (message_id) do update set search = excluded.search;
  else
    -- No conflict possible (see above).
    insert into private.message_search_pending (message_id)
    select n.id from new_rows n;
  end if;
  return null;
end;
$$;
