-- Storage for the console (docs/storage.md): chat attachments and run artifacts in private
-- buckets, authorised by the object's path. Buckets are rows in storage.buckets and the
-- rules are policies on storage.objects, as every Supabase project writes them; the same
-- limits are declared in supabase/config.toml ([storage.buckets.*]) for the local stack.
--
--   chat-attachments/<user_id>/<session_id>/<file>   the owner (and their live devices) read
--       and write; members of the session's project read.
--   run-artifacts/<project_id>/<run_id>/<file>       only the device holding the run's lease
--       writes; members of the project read; project admins delete.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values
  ('chat-attachments', 'chat-attachments', false, 52428800,
    array['text/*', 'application/pdf', 'image/*']),
  -- 100 MiB, any type: a backup or a build output is larger than a chat file, and its type is
  -- whatever the workflow produced. Bigger files belong to a resumable (TUS) upload anyway.
  ('run-artifacts', 'run-artifacts', false, 104857600, null)
on conflict (id) do nothing;

-- A path segment as a uuid, or null: a policy must never fail on a malformed name.
create or replace function private.storage_uuid(p_segment text)
returns uuid
language sql
immutable
set search_path = ''
as $$
  select case
    when p_segment ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then p_segment::uuid
  end
$$;

-- Members of a session's project may read the files of that session, when the path names the
-- session's owner and the session itself (so a user cannot file something under another
-- user's session to show it to that session's project).
create or replace function private.can_read_session_files(p_user text, p_session text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
      from public.cloud_sessions s
     where s.id = private.storage_uuid(p_session)
       and s.user_id = private.storage_uuid(p_user)
       and s.project_id is not null
       and s.project_id in (select private.my_project_ids('viewer'))
  )
$$;

-- The calling device holds the run's lease: it claimed the run, the run is still claimed or
-- running with a lease that has not expired, the run is in that project, and the device's
-- owner is still a developer there (the rule private.lock_held_run applies to worker RPCs).
create or replace function private.device_holds_run(p_project text, p_run text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
      from ops.runs r
     where r.id = private.storage_uuid(p_run)
       and r.project_id = private.storage_uuid(p_project)
       and r.claimed_by = private.current_device_id()
       and r.status in ('claimed', 'running')
       and r.lease_expires_at > pg_catalog.now()
       and private.has_project_role(r.project_id, 'developer')
  )
$$;

revoke execute on function
  private.storage_uuid(text),
  private.can_read_session_files(text, text),
  private.device_holds_run(text, text)
  from public, anon;
grant execute on function
  private.storage_uuid(text),
  private.can_read_session_files(text, text),
  private.device_holds_run(text, text)
  to authenticated, service_role;

-- chat-attachments ---------------------------------------------------------------------------

create policy "Owners, their devices and project members read chat attachments" on storage.objects
  for select to authenticated
  using (
    bucket_id = 'chat-attachments'
    and (
      (
        (storage.foldername(name))[1] = (select auth.uid())::text
        and (select private.requester_is_active())
      )
      or private.can_read_session_files((storage.foldername(name))[1], (storage.foldername(name))[2])
    )
  );

create policy "Owners and their devices add chat attachments" on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'chat-attachments'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and private.storage_uuid((storage.foldername(name))[2]) is not null
    and (select private.requester_is_active())
  );

create policy "Owners and their devices replace chat attachments" on storage.objects
  for update to authenticated
  using (
    bucket_id = 'chat-attachments'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and (select private.requester_is_active())
  )
  with check (
    bucket_id = 'chat-attachments'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and private.storage_uuid((storage.foldername(name))[2]) is not null
    and (select private.requester_is_active())
  );

create policy "Owners and their devices remove chat attachments" on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'chat-attachments'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and (select private.requester_is_active())
  );

-- run-artifacts ------------------------------------------------------------------------------

create policy "Project members read run artifacts" on storage.objects
  for select to authenticated
  using (
    bucket_id = 'run-artifacts'
    and private.storage_uuid((storage.foldername(name))[1]) in (select private.my_project_ids('viewer'))
  );

create policy "The device holding the run's lease adds its artifacts" on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'run-artifacts'
    and (select private.is_device_request())
    and private.device_holds_run((storage.foldername(name))[1], (storage.foldername(name))[2])
  );

create policy "The device holding the run's lease replaces its artifacts" on storage.objects
  for update to authenticated
  using (
    bucket_id = 'run-artifacts'
    and (select private.is_device_request())
    and private.device_holds_run((storage.foldername(name))[1], (storage.foldername(name))[2])
  )
  with check (
    bucket_id = 'run-artifacts'
    and (select private.is_device_request())
    and private.device_holds_run((storage.foldername(name))[1], (storage.foldername(name))[2])
  );

create policy "Project admins remove run artifacts" on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'run-artifacts'
    and private.storage_uuid((storage.foldername(name))[1]) in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  );
