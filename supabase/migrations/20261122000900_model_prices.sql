-- Model prices (global rows plus per-user overrides, each effective from a moment) and the
-- rule that prices a message, ahead of chat sync because every message is priced as it lands.

create table public.model_prices (
  id uuid primary key default gen_random_uuid(),
  -- null: the global price every user gets unless they set their own.
  user_id uuid references auth.users (id) on delete cascade,
  model text not null check (char_length(btrim(model)) between 1 and 200),
  input_per_mtok numeric(12, 6) not null check (input_per_mtok >= 0),
  output_per_mtok numeric(12, 6) not null check (output_per_mtok >= 0),
  cached_per_mtok numeric(12, 6) not null default 0 check (cached_per_mtok >= 0),
  effective_from timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint model_prices_user_id_model_effective_from_key
    unique nulls not distinct (user_id, model, effective_from)
);

create index model_prices_model_effective_from_idx on public.model_prices (model, effective_from desc);

alter table public.model_prices enable row level security;

revoke all on public.model_prices from anon;
revoke truncate, references, trigger on public.model_prices from authenticated;

create policy "Signed-in users can view global prices and their own" on public.model_prices
  for select to authenticated
  using ((user_id is null or user_id = (select auth.uid())) and (select private.requester_is_active()));

create policy "Users can add their own price overrides" on public.model_prices
  for insert to authenticated
  with check (user_id = (select auth.uid()) and not (select private.is_device_request()));

create policy "Users can update their own price overrides" on public.model_prices
  for update to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()))
  with check (user_id = (select auth.uid()));

create policy "Users can delete their own price overrides" on public.model_prices
  for delete to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()));

create trigger model_prices_set_updated_at
  before update on public.model_prices
  for each row execute function private.set_updated_at();

-- The price in force for a user's message: their own override if one is effective by then,
-- else the global price; the latest effective_from wins within each.
-- cached_tokens are part of input_tokens and billed at the cached rate instead.
create or replace function private.message_cost(
  owner uuid, model text, at timestamptz, input_tokens integer, output_tokens integer, cached_tokens integer
)
returns numeric
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select ((input_tokens - cached_tokens) * p.input_per_mtok
            + cached_tokens * p.cached_per_mtok
            + output_tokens * p.output_per_mtok) / 1000000
      from public.model_prices p
     where p.model = message_cost.model
       and (p.user_id = owner or p.user_id is null)
       and p.effective_from <= at
     order by p.user_id is null, p.effective_from desc
     limit 1
  ), 0)::numeric(16, 8)
$$;

revoke execute on function private.message_cost(uuid, text, timestamptz, integer, integer, integer)
  from public, anon, authenticated;
