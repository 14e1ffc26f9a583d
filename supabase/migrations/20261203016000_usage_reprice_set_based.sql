-- Re-pricing after a price, mapping or device-price change, set-based: each affected message's
-- new price comes from a join against the price versions (each price row is in force from its
-- effective_from until the next row of the same model and owner), not from a function call
-- per message, and the per-row message trigger stays out of the update (lmx.trusted_message_write,
-- as in sync_push), because the update sets exactly what it would have set: the new price and
-- updated_at. One UPDATE for all the models a statement re-priced (one pass over the messages;
-- a loop per model scanned them once per model), and one statement-level trigger call however
-- many price rows the statement touched.
--
-- Redefines private.reprice_cloud_equivalents and private.device_prices_reprice (same
-- signatures); replaces the per-row model_prices_reprice and
-- model_prices_reprice_cloud_equivalents triggers (…001100, …000510) with statement triggers.

-- The rules stay those of private.message_cost, private.message_cloud_equivalent and
-- private.message_local_cost (the user's own price or mapping first, else the global one; the
-- latest effective_from at or before the message), which the reconciliation tests compare.

create or replace function private.reprice_message_costs(models text[], owner uuid)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  trusted text := coalesce(pg_catalog.current_setting('lmx.trusted_message_write', true), '');
  changed bigint;
begin
  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  with versions as (
    select p.model, p.user_id, p.input_per_mtok, p.output_per_mtok, p.cached_per_mtok,
           p.effective_from as valid_from,
           coalesce(pg_catalog.lead(p.effective_from) over (partition by p.model, p.user_id order by p.effective_from),
                    'infinity'::timestamptz) as valid_until
      from public.model_prices p
     where p.model = any (models)
  ),
  priced as (
    select c.id, coalesce(
             ((c.input_tokens - c.cached_tokens) * u.input_per_mtok + c.cached_tokens * u.cached_per_mtok
              + c.output_tokens * u.output_per_mtok) / 1000000,
             ((c.input_tokens - c.cached_tokens) * g.input_per_mtok + c.cached_tokens * g.cached_per_mtok
              + c.output_tokens * g.output_per_mtok) / 1000000,
             0)::numeric(16, 8) as cost
      from public.cloud_messages c
      left join versions u
        on u.model = c.model and u.user_id = c.user_id
       and c.created_at >= u.valid_from and c.created_at < u.valid_until
      left join versions g
        on g.model = c.model and g.user_id is null
       and c.created_at >= g.valid_from and c.created_at < g.valid_until
     where c.model = any (models)
       and (owner is null or c.user_id = owner)
  )
  update public.cloud_messages m
     set cost_usd = p.cost, updated_at = pg_catalog.now()
    from priced p
   where m.id = p.id
     and m.cost_usd is distinct from p.cost;
  get diagnostics changed = row_count;
  perform pg_catalog.set_config('lmx.trusted_message_write', trusted, true);
  return changed;
end;
$$;

create or replace function private.reprice_cloud_equivalents(models text[], owner uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  trusted text := coalesce(pg_catalog.current_setting('lmx.trusted_message_write', true), '');
begin
  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  with refs as (
    select r.model, r.user_id, r.reference_model from public.model_references r where r.model = any (models)
  ),
  versions as (
    select p.model, p.user_id, p.input_per_mtok, p.output_per_mtok, p.cached_per_mtok,
           p.effective_from as valid_from,
           coalesce(pg_catalog.lead(p.effective_from) over (partition by p.model, p.user_id order by p.effective_from),
                    'infinity'::timestamptz) as valid_until
      from public.model_prices p
     where p.model in (select refs.reference_model from refs)
  ),
  priced as (
    select c.id, coalesce(
             ((c.input_tokens - c.cached_tokens) * u.input_per_mtok + c.cached_tokens * u.cached_per_mtok
              + c.output_tokens * u.output_per_mtok) / 1000000,
             ((c.input_tokens - c.cached_tokens) * g.input_per_mtok + c.cached_tokens * g.cached_per_mtok
              + c.output_tokens * g.output_per_mtok) / 1000000,
             0)::numeric(16, 8) as cloud
      from public.cloud_messages c
      left join refs own_ref on own_ref.model = c.model and own_ref.user_id = c.user_id
      left join refs shared_ref on shared_ref.model = c.model and shared_ref.user_id is null
      cross join lateral (select coalesce(own_ref.reference_model, shared_ref.reference_model) as model) ref
      left join versions u
        on u.model = ref.model and u.user_id = c.user_id
       and c.created_at >= u.valid_from and c.created_at < u.valid_until
      left join versions g
        on g.model = ref.model and g.user_id is null
       and c.created_at >= g.valid_from and c.created_at < g.valid_until
     where c.model = any (models)
       and (owner is null or c.user_id = owner)
  )
  update public.cloud_messages m
     set cloud_equivalent_usd = p.cloud, updated_at = pg_catalog.now()
    from priced p
   where m.id = p.id
     and m.cloud_equivalent_usd is distinct from p.cloud;
  perform pg_catalog.set_config('lmx.trusted_message_write', trusted, true);
end;
$$;

create or replace function private.device_prices_reprice()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := coalesce(new.device_id, old.device_id);
  trusted text := coalesce(pg_catalog.current_setting('lmx.trusted_message_write', true), '');
begin
  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  with priced as (
    select c.id, coalesce(
             case d.mode
               when 'hourly' then busy.seconds / 3600 * d.usd_per_hour
               else busy.seconds / 3600 * d.busy_watts / 1000 * d.usd_per_kwh
             end, 0)::numeric(16, 8) as local_cost
      from public.cloud_messages c
      left join public.device_prices d on d.device_id = c.device_id
      cross join lateral (
        select case when c.tokens_per_second > 0
                    then c.output_tokens / c.tokens_per_second::numeric
                         + coalesce(c.time_to_first_token_ms, 0) / 1000.0 end as seconds) busy
     where c.device_id = device
  )
  update public.cloud_messages m
     set local_cost_usd = p.local_cost, updated_at = pg_catalog.now()
    from priced p
   where m.id = p.id
     and m.local_cost_usd is distinct from p.local_cost;
  perform pg_catalog.set_config('lmx.trusted_message_write', trusted, true);
  return null;
end;
$$;

-- A statement that added, changed or removed prices: one re-pricing for all of its models,
-- limited to one owner when every row touched belongs to that owner (a price that moves
-- between global and a user's touches both, so everyone's messages of the model).
create or replace function private.model_prices_reprice_statement()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  models text[];
  owners uuid[];
  owner uuid;
  mapped text[];
begin
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(distinct n.model), pg_catalog.array_agg(distinct n.user_id)
      into models, owners from new_rows n;
  elsif tg_op = 'DELETE' then
    select pg_catalog.array_agg(distinct o.model), pg_catalog.array_agg(distinct o.user_id)
      into models, owners from old_rows o;
  else
    select pg_catalog.array_agg(distinct c.model), pg_catalog.array_agg(distinct c.user_id)
      into models, owners
      from (select n.model, n.user_id from new_rows n union all select o.model, o.user_id from old_rows o) c;
  end if;
  if models is null then
    return null;
  end if;
  owner := case when pg_catalog.cardinality(owners) = 1 then owners[1] end;

  perform private.reprice_message_costs(models, owner);
  -- A reference model's price changed: the local models mapped to it are re-priced too.
  select pg_catalog.array_agg(distinct r.model) into mapped
    from public.model_references r
   where r.reference_model = any (models);
  if mapped is not null then
    perform private.reprice_cloud_equivalents(mapped, owner);
  end if;
  return null;
end;
$$;

drop trigger model_prices_reprice on public.model_prices;
drop trigger model_prices_reprice_cloud_equivalents on public.model_prices;
drop function private.model_prices_reprice();
drop function private.model_prices_reprice_cloud_equivalents();

create trigger model_prices_reprice_insert
  after insert on public.model_prices
  referencing new table as new_rows
  for each statement execute function private.model_prices_reprice_statement();
create trigger model_prices_reprice_update
  after update on public.model_prices
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.model_prices_reprice_statement();
create trigger model_prices_reprice_delete
  after delete on public.model_prices
  referencing old table as old_rows
  for each statement execute function private.model_prices_reprice_statement();

revoke execute on function
  private.reprice_message_costs(text[], uuid),
  private.reprice_cloud_equivalents(text[], uuid),
  private.device_prices_reprice(),
  private.model_prices_reprice_statement()
  from public, anon, authenticated;
