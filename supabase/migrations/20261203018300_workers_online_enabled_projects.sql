-- "Workers online for this project" on /runs counts only the devices that can take the
-- project's runs: online, not revoked, running jobs, owned by a developer or above, and with
-- the project chosen on the device's page (public.device_run_projects, which the claim guard
-- on ops.runs enforces). Before that setting existed the count had to assume every such
-- device served every project of its owner.
create or replace function private.project_workers_online(p_project_id uuid)
returns integer
language sql
stable
security definer
set search_path = ''
as $$
  select case when private.has_project_role(p_project_id, 'viewer') then (
    select pg_catalog.count(*)::integer
      from public.devices d
      join ops.project_memberships m
        on m.user_id = d.user_id and m.project_id = p_project_id
      join public.device_run_projects e
        on e.device_id = d.id and e.project_id = p_project_id
     where d.revoked_at is null
       and d.helper_enabled
       and d.last_seen_at >= pg_catalog.now() - interval '90 seconds'
       and m.role in ('owner', 'admin', 'developer')
  ) end
$$;
