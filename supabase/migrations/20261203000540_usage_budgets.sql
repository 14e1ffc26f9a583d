-- Monthly budgets per user and per project (cost, optionally tokens) with a warning
-- threshold. Crossing the warning or the budget is recorded once per month and level, with
-- an audit entry, by record_budget_crossings (called when the console shows usage).

create table public.usage_budgets (
  id uuid primary key default gen_random_uuid(),
  -- Exactly one scope: a user's own usage, or a project's (all members).
  user_id uuid references auth.users (id) on delete cascade,
  project_id uuid references ops.projects (id) on delete cascade,
  monthly_usd numeric(14, 2) not null check (monthly_usd > 0),
  monthly_tokens bigint check (monthly_tokens > 0),
  warn_at_percent integer not null default 80 check (warn_at_percent between 1 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint usage_budgets_one_scope check ((user_id is null) <> (project_id is null)),
  constraint usage_budgets_user_id_key unique (user_id),
  constraint usage_budgets_project_id_key unique (project_id)
);

alter table public.usage_budgets enable row level security;

revoke all on public.usage_budgets from anon;
revoke truncate, references, trigger on public.usage_budgets from authenticated;

create policy "Users see their budget and their projects' budgets" on public.usage_budgets
  for select to authenticated
  using (
    ((user_id = (select auth.uid())) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

create policy "Users set their own budget and admins their project's" on public.usage_budgets
  for insert to authenticated
  with check (
    not (select private.is_device_request())
    and (user_id = (select auth.uid()) or project_id in (select private.my_project_ids('admin')))
  );

create policy "Users change their own budget and admins their project's" on public.usage_budgets
  for update to authenticated
  using (
    not (select private.is_device_request())
    and (user_id = (select auth.uid()) or project_id in (select private.my_project_ids('admin')))
  )
  with check (user_id = (select auth.uid()) or project_id in (select private.my_project_ids('admin')));

create policy "Users remove their own budget and admins their project's" on public.usage_budgets
  for delete to authenticated
  using (
    not (select private.is_device_request())
    and (user_id = (select auth.uid()) or project_id in (select private.my_project_ids('admin')))
  );

create trigger usage_budgets_set_updated_at
  before update on public.usage_budgets
  for each row execute function private.set_updated_at();

-- One row per budget, month and level crossed: the audit entry is written once.
create table public.usage_budget_alerts (
  budget_id uuid not null references public.usage_budgets (id) on delete cascade,
  month date not null,
  level text not null check (level in ('warning', 'exceeded')),
  spent_usd numeric(20, 8) not null,
  created_at timestamptz not null default now(),
  primary key (budget_id, month, level)
);

alter table public.usage_budget_alerts enable row level security;

revoke all on public.usage_budget_alerts from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_budget_alerts from authenticated;

create policy "Users see the alerts of the budgets they see" on public.usage_budget_alerts
  for select to authenticated
  using (budget_id in (select b.id from public.usage_budgets b));

-- The caller's budgets with this month's spend in their timezone; records (once) each
-- newly crossed level as an alert and an audit entry. Security definer to write the audit
-- log; it reads only the caller's own budget and those of their projects.
create or replace function public.record_budget_crossings(p_tz text)
returns table (budget_id uuid, project_id uuid, monthly_usd numeric, monthly_tokens bigint,
               warn_at_percent integer, spent_usd numeric, spent_tokens bigint, level text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  today date;
  month_start date;
  b record;
  spent numeric;
  tokens bigint;
  reached text;
begin
  if me is null or private.is_device_request() then
    return;
  end if;
  if p_tz is null or not private.is_timezone(p_tz) then
    raise exception 'record_budget_crossings: unknown timezone %', p_tz using errcode = '22023';
  end if;
  today := (pg_catalog.now() at time zone p_tz)::date;
  month_start := pg_catalog.date_trunc('month', today)::date;

  for b in
    select u.* from public.usage_budgets u
     where u.user_id = me or u.project_id in (select private.my_project_ids('viewer'))
     order by u.project_id nulls first
  loop
    select coalesce(sum(r.cost_usd), 0), coalesce(sum(r.input_tokens + r.output_tokens), 0)
      into spent, tokens
      from public.usage_report(month_start, today, p_tz, b.project_id) r;
    reached := case
      when spent >= b.monthly_usd or tokens >= b.monthly_tokens then 'exceeded'
      when spent >= b.monthly_usd * b.warn_at_percent / 100
        or tokens >= b.monthly_tokens * b.warn_at_percent / 100 then 'warning'
    end;
    if reached is not null then
      with crossed as (
        insert into public.usage_budget_alerts (budget_id, month, level, spent_usd)
        select b.id, month_start, l.level, spent
          from unnest(case reached when 'exceeded' then array['warning', 'exceeded'] else array['warning'] end) as l(level)
        on conflict do nothing
        returning level
      )
      insert into public.audit_log (actor_user_id, action, target_type, target_id, project_id, details)
      select me, 'budget.' || c.level, 'usage_budget', b.id, b.project_id,
             pg_catalog.jsonb_build_object('month', month_start, 'spent_usd', spent,
                                           'monthly_usd', b.monthly_usd, 'timezone', p_tz)
        from crossed c;
    end if;
    budget_id := b.id;
    project_id := b.project_id;
    monthly_usd := b.monthly_usd;
    monthly_tokens := b.monthly_tokens;
    warn_at_percent := b.warn_at_percent;
    spent_usd := spent;
    spent_tokens := tokens;
    level := reached;
    return next;
  end loop;
end;
$$;

revoke execute on function public.record_budget_crossings(text) from public, anon;
grant execute on function public.record_budget_crossings(text) to authenticated;
