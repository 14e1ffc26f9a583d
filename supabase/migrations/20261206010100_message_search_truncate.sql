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
  truncate private.message_search, private.message_search_pending;
  return null;
end;
$$;

revoke execute on function private.message_search_clear() from public, anon, authenticated;

create trigger cloud_messages_search_clear
  after truncate on public.cloud_messages
  for each statement execute function private.message_search_clear();
