-- Security hardening (docs/security.md, "Chats carry only your own devices"): a session or
-- message names a device of its owner, or none. The insert policies already said so; the update
-- policies did not check the new row's device_id, so an owner could tag a row with someone
-- else's device, and the foreign key's error ("is not present in table devices") told which
-- device ids exist. Row security's WITH CHECK runs before foreign-key checks, so with the rule
-- below an unknown id and a foreign one fail alike, as a policy violation.
create or replace function private.is_own_device_or_none(p_device_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when p_device_id is null then true
    -- A device writes only as itself.
    when private.is_device_request() then p_device_id = private.current_device_id()
    else exists (
      select 1 from public.devices d
       where d.id = p_device_id and d.user_id = auth.uid()
    )
  end
$$;

revoke execute on function private.is_own_device_or_none(uuid) from public, anon;
grant execute on function private.is_own_device_or_none(uuid) to authenticated, service_role;

drop policy "Owners and the syncing device can update sessions" on public.cloud_sessions;
create policy "Owners and the syncing device can update sessions" on public.cloud_sessions
  for update to authenticated
  using (
    user_id = (select auth.uid())
    and (select private.requester_is_active())
    and (not (select private.is_device_request()) or device_id = (select private.current_device_id()))
  )
  with check (
    user_id = (select auth.uid())
    and private.is_own_device_or_none(device_id)
    and (project_id is null or project_id in (select private.my_project_ids('developer')))
  );

drop policy "Owners and the syncing device can update messages" on public.cloud_messages;
create policy "Owners and the syncing device can update messages" on public.cloud_messages
  for update to authenticated
  using (
    user_id = (select auth.uid())
    and (select private.requester_is_active())
    and (not (select private.is_device_request()) or device_id = (select private.current_device_id()))
  )
  with check (
    user_id = (select auth.uid())
    and private.is_own_device_or_none(device_id)
  );
