-- The reporting timezone on each profile: usage pages draw their day boundaries in it.
-- null means "not chosen": the console then uses the browser's timezone.

create or replace function private.is_timezone(tz text)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  perform pg_catalog.now() at time zone tz;
  return true;
exception when others then
  return false;
end;
$$;

revoke execute on function private.is_timezone(text) from public, anon;
grant execute on function private.is_timezone(text) to authenticated;

alter table public.profiles
  add column timezone text
    check (timezone is null or (char_length(timezone) between 1 and 64 and private.is_timezone(timezone)));
