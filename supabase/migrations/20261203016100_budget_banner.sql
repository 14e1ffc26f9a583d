-- Redefines public.record_budget_crossings (…000540): its "returning level" was ambiguous with
-- the function's own output column "level", so the first time a budget reached a level the
-- call failed ("column reference \"level\" is ambiguous") instead of recording it. Found by
-- the budget_banner row of supabase/tests/usage-pricing-rls.int.test.ts.
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
        insert into public.usage_budget_alerts as a (budget_id, month, level, spent_usd)
        select b.id, month_start, l.level, spent
          from unnest(case reached when 'exceeded' then array['warning', 'exceeded'] else array['warning'] end) as l(level)
        on conflict do nothing
        returning a.level as crossed_level
      )
      insert into public.audit_log (actor_user_id, action, target_type, target_id, project_id, details)
      select me, 'budget.' || c.crossed_level, 'usage_budget', b.id, b.project_id,
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


-- The console-wide budget banner: the caller's budgets (their own and their projects') that
-- are over their warning level or used up this month, in the profile's timezone (UTC when
-- none is chosen). It goes through record_budget_crossings, so a crossing is recorded (alert
-- row and audit entry, once per month and level) on whichever console page first sees it, not
-- only on /usage. One round trip per page; with no budget it reads no usage.
create or replace function public.budget_banner()
returns table (budget_id uuid, project_id uuid, project_name text, level text,
               spent_usd numeric, monthly_usd numeric, warn_at_percent integer)
language sql
volatile
security invoker
set search_path = ''
as $$
  select c.budget_id, c.project_id, p.name, c.level, c.spent_usd, c.monthly_usd, c.warn_at_percent
    from public.record_budget_crossings(coalesce(
           (select pr.timezone from public.profiles pr where pr.id = (select auth.uid())), 'UTC')) c
    left join ops.projects p on p.id = c.project_id
   where c.level is not null
   order by c.level = 'exceeded' desc, c.project_id nulls first
$$;

revoke execute on function public.budget_banner() from public, anon;
grant execute on function public.budget_banner() to authenticated;
