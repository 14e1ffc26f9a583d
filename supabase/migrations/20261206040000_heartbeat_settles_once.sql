-- A device heartbeat's after-response work in one round trip: it indexed the messages left
-- pending for search (public.index_message_search) and settled expired run leases
-- (ops.reap_expired_runs) as two requests, each paying the request's fixed cost. Security
-- invoker: each part is the existing function with its own checks and grants, unchanged.
create function public.settle_after_heartbeat(max_rows integer default 5000)
returns table (indexed integer, reaped integer)
language sql
volatile
security invoker
set search_path = ''
as $$
  select public.index_message_search(max_rows), ops.reap_expired_runs()
$$;

revoke execute on function public.settle_after_heartbeat(integer) from public, anon;
grant execute on function public.settle_after_heartbeat(integer) to authenticated, service_role;
