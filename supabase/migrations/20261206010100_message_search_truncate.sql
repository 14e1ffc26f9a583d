-- Truncating cloud_messages left every message's row in private.message_search and
-- private.message_search_pending behind (row-level delete triggers do not fire on TRUNCATE).
-- With no messages left, neither table can hold anything that belongs to one: empty both.

create function private.message_search_clear()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Only when they still hold rows: a statement that truncates them too (a cascade, or one
  -- naming them) has emptied them already, and Postgres refuses to truncate a table again
  -- inside the statement that is truncating it.
  if exists (select 1 from private.message_search)
    or exists (select 1 from private.message_search_pending) then
    truncate private.message_search, private.message_search_pending;
  end if;
  return null;
end;
$$;

revoke execute on function private.message_search_clear() from public, anon, authenticated;

create trigger cloud_messages_search_clear
  after truncate on public.cloud_messages
  for each statement execute function private.message_search_clear();
