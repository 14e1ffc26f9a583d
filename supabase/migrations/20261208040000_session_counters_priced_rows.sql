-- The session counters' update and delete triggers price their rows through
-- private.message_priced (20261208020000), as the update and delete rollups do: they were the
-- last writers with their own copy of the per-row lookup of the version in force
-- (20261207010000), so a pricing change would have had to edit them too. Same statements
-- otherwise, same counters. The insert trigger joins its batch to private.price_periods
-- (20261208010000). A trigger body is one statement, so each function is replaced whole.

create or replace function private.cloud_messages_count_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  with deltas as (
    select n.session_id, 1 as messages, n.input_tokens::bigint + n.output_tokens as tokens, p.cost_usd as cost
      from new_rows n cross join lateral private.message_priced(n) p
     where n.deleted_at is null
    union all
    select o.session_id, -1, -(o.input_tokens::bigint + o.output_tokens), -p.cost_usd
      from old_rows o cross join lateral private.message_priced(o) p
     where o.deleted_at is null
  ),
  per_session as (
    select d.session_id, sum(d.messages) as messages, sum(d.tokens) as tokens, sum(d.cost) as cost
      from deltas d
     group by d.session_id
    having sum(d.messages) <> 0 or sum(d.tokens) <> 0 or sum(d.cost) <> 0
  )
  update public.cloud_sessions s
     set message_count = s.message_count + p.messages,
         token_count = s.token_count + p.tokens,
         cost_usd = s.cost_usd + p.cost
    from per_session p
   where s.id = p.session_id;
  return null;
end;
$function$;

create or replace function private.cloud_messages_count_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  with deltas as (
    select o.session_id, count(*) as messages, sum(o.input_tokens::bigint + o.output_tokens) as tokens,
           sum(p.cost_usd) as cost
      from old_rows o cross join lateral private.message_priced(o) p
     where o.deleted_at is null
     group by o.session_id
  )
  update public.cloud_sessions s
     set message_count = s.message_count - d.messages,
         token_count = s.token_count - d.tokens,
         cost_usd = s.cost_usd - d.cost
    from deltas d
   where s.id = d.session_id;
  return null;
end;
$function$;
