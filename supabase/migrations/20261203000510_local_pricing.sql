-- Local hardware pricing and cloud equivalents, stored per message so rollups stay exact:
-- a device priced by the hour or by energy gives each of its messages a local cost (busy time
-- = output tokens / tokens per second + time to first token); a local model mapped to a
-- reference cloud model gives each message what the same tokens would have cost there.

create table public.device_prices (
  device_id uuid primary key references public.devices (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  mode text not null check (mode in ('hourly', 'energy')),
  usd_per_hour numeric(12, 6) check (usd_per_hour >= 0),
  usd_per_kwh numeric(12, 6) check (usd_per_kwh >= 0),
  idle_watts numeric(10, 2) check (idle_watts >= 0),
  busy_watts numeric(10, 2) check (busy_watts >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint device_prices_mode_fields check (
    (mode = 'hourly' and usd_per_hour is not null)
    or (mode = 'energy' and usd_per_kwh is not null and busy_watts is not null)
  )
);

create index device_prices_user_id_idx on public.device_prices (user_id);

alter table public.device_prices enable row level security;

revoke all on public.device_prices from anon;
revoke truncate, references, trigger on public.device_prices from authenticated;

create policy "Users can view their devices' prices" on public.device_prices
  for select to authenticated
  using (user_id = (select auth.uid()) and (select private.requester_is_active()));

-- The device must be the caller's own: a price on someone else's device would re-price
-- their messages.
create policy "Users can price their own devices" on public.device_prices
  for insert to authenticated
  with check (
    user_id = (select auth.uid()) and not (select private.is_device_request())
    and exists (select 1 from public.devices d where d.id = device_id and d.user_id = (select auth.uid()))
  );

create policy "Users can change their devices' prices" on public.device_prices
  for update to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()))
  with check (
    user_id = (select auth.uid())
    and exists (select 1 from public.devices d where d.id = device_id and d.user_id = (select auth.uid()))
  );

create policy "Users can remove their devices' prices" on public.device_prices
  for delete to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()));

create trigger device_prices_set_updated_at
  before update on public.device_prices
  for each row execute function private.set_updated_at();

-- Local model -> reference cloud model (priced in model_prices). Global rows are the
-- maintained default list; a user's own row for the same model wins.
create table public.model_references (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users (id) on delete cascade,
  model text not null check (char_length(btrim(model)) between 1 and 200),
  reference_model text not null check (char_length(btrim(reference_model)) between 1 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint model_references_user_id_model_key unique nulls not distinct (user_id, model)
);

create index model_references_reference_model_idx on public.model_references (reference_model);

alter table public.model_references enable row level security;

revoke all on public.model_references from anon;
revoke truncate, references, trigger on public.model_references from authenticated;

create policy "Signed-in users can view default references and their own" on public.model_references
  for select to authenticated
  using ((user_id is null or user_id = (select auth.uid())) and (select private.requester_is_active()));

create policy "Users can add their own references" on public.model_references
  for insert to authenticated
  with check (user_id = (select auth.uid()) and not (select private.is_device_request()));

create policy "Users can update their own references" on public.model_references
  for update to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()))
  with check (user_id = (select auth.uid()));

create policy "Users can delete their own references" on public.model_references
  for delete to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()));

create trigger model_references_set_updated_at
  before update on public.model_references
  for each row execute function private.set_updated_at();

alter table public.cloud_messages
  add column local_cost_usd numeric(16, 8) not null default 0,
  add column cloud_equivalent_usd numeric(16, 8) not null default 0;

-- Busy time is generation (output tokens / tokens per second) plus time to first token; a
-- message without a measured speed has no busy time to price, so no local cost.
-- Energy mode prices the busy draw only: idle draw is not caused by any message (docs/usage.md).
create or replace function private.message_local_cost(
  device uuid, output_tokens integer, tokens_per_second real, ttft_ms integer
)
returns numeric
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select case p.mode
             when 'hourly' then busy.seconds / 3600 * p.usd_per_hour
             else busy.seconds / 3600 * p.busy_watts / 1000 * p.usd_per_kwh
           end
      from public.device_prices p,
           lateral (select output_tokens / tokens_per_second::numeric
                           + coalesce(ttft_ms, 0) / 1000.0 as seconds) busy
     where p.device_id = device
       and tokens_per_second > 0
  ), 0)::numeric(16, 8)
$$;

-- What the message would have cost at its model's reference cloud model, at the reference
-- price in force then (the user's override of either the mapping or the price first).
create or replace function private.message_cloud_equivalent(
  owner uuid, model text, at timestamptz, input_tokens integer, output_tokens integer, cached_tokens integer
)
returns numeric
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select private.message_cost(owner, r.reference_model, at, input_tokens, output_tokens, cached_tokens)
      from public.model_references r
     where r.model = message_cloud_equivalent.model
       and (r.user_id = owner or r.user_id is null)
     order by r.user_id is null
     limit 1
  ), 0)::numeric(16, 8)
$$;

create or replace function private.cloud_messages_price_local()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT'
     or (new.device_id, new.output_tokens, new.tokens_per_second, new.time_to_first_token_ms)
        is distinct from (old.device_id, old.output_tokens, old.tokens_per_second, old.time_to_first_token_ms) then
    new.local_cost_usd := private.message_local_cost(new.device_id, new.output_tokens,
                                                     new.tokens_per_second, new.time_to_first_token_ms);
  end if;
  if tg_op = 'INSERT'
     or (new.user_id, new.model, new.created_at, new.input_tokens, new.output_tokens, new.cached_tokens)
        is distinct from (old.user_id, old.model, old.created_at, old.input_tokens, old.output_tokens, old.cached_tokens) then
    new.cloud_equivalent_usd := private.message_cloud_equivalent(new.user_id, new.model, new.created_at,
                                  new.input_tokens, new.output_tokens, new.cached_tokens);
  end if;
  return new;
end;
$$;

create trigger cloud_messages_price_local
  before insert or update on public.cloud_messages
  for each row execute function private.cloud_messages_price_local();

-- A device's price changed: re-price its messages (their update carries the difference
-- into the rollups).
create or replace function private.device_prices_reprice()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := coalesce(new.device_id, old.device_id);
begin
  update public.cloud_messages m
     set local_cost_usd = private.message_local_cost(m.device_id, m.output_tokens,
                                                     m.tokens_per_second, m.time_to_first_token_ms)
   where m.device_id = device
     and m.local_cost_usd is distinct from private.message_local_cost(m.device_id, m.output_tokens,
                                                     m.tokens_per_second, m.time_to_first_token_ms);
  return null;
end;
$$;

create trigger device_prices_reprice
  after insert or update or delete on public.device_prices
  for each row execute function private.device_prices_reprice();

-- Re-price the cloud equivalents of the messages of some models (for one owner, or all).
create or replace function private.reprice_cloud_equivalents(models text[], owner uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.cloud_messages m
     set cloud_equivalent_usd = private.message_cloud_equivalent(m.user_id, m.model, m.created_at,
                                  m.input_tokens, m.output_tokens, m.cached_tokens)
   where m.model = any (models)
     and (owner is null or m.user_id = owner)
     and m.cloud_equivalent_usd is distinct from private.message_cloud_equivalent(m.user_id, m.model,
                                  m.created_at, m.input_tokens, m.output_tokens, m.cached_tokens);
$$;

create or replace function private.model_references_reprice()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.reprice_cloud_equivalents(
    array[coalesce(new.model, old.model), coalesce(old.model, new.model)],
    case when tg_op = 'UPDATE' and old.user_id is distinct from new.user_id then null
         else coalesce(new.user_id, old.user_id) end);
  return null;
end;
$$;

create trigger model_references_reprice
  after insert or update or delete on public.model_references
  for each row execute function private.model_references_reprice();

-- A reference model's price changed: the local models mapped to it are re-priced too.
create or replace function private.model_prices_reprice_cloud_equivalents()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  mapped text[];
begin
  select pg_catalog.array_agg(distinct r.model) into mapped
    from public.model_references r
   where r.reference_model in (coalesce(new.model, old.model), coalesce(old.model, new.model));
  if mapped is not null then
    perform private.reprice_cloud_equivalents(mapped,
      case when tg_op = 'UPDATE' and old.user_id is distinct from new.user_id then null
           else coalesce(new.user_id, old.user_id) end);
  end if;
  return null;
end;
$$;

create trigger model_prices_reprice_cloud_equivalents
  after insert or update or delete on public.model_prices
  for each row execute function private.model_prices_reprice_cloud_equivalents();

revoke execute on function
  private.message_local_cost(uuid, integer, real, integer),
  private.message_cloud_equivalent(uuid, text, timestamptz, integer, integer, integer),
  private.cloud_messages_price_local(),
  private.device_prices_reprice(),
  private.reprice_cloud_equivalents(text[], uuid),
  private.model_references_reprice(),
  private.model_prices_reprice_cloud_equivalents()
  from public, anon, authenticated;
