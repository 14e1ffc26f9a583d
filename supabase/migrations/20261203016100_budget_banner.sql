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
