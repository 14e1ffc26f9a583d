-- Splinter findings on ops: the run children's foreign keys list project_id first, so the
-- (project_id, run_id) indexes the policies use also cover them; and the invitee check reads
-- auth.email() once per query, not once per row.
alter table ops.run_events drop constraint run_events_run_id_project_id_fkey;
alter table ops.run_events add constraint run_events_project_id_run_id_fkey
  foreign key (project_id, run_id) references ops.runs (project_id, id) on delete cascade;
alter table ops.run_logs drop constraint run_logs_run_id_project_id_fkey;
alter table ops.run_logs add constraint run_logs_project_id_run_id_fkey
  foreign key (project_id, run_id) references ops.runs (project_id, id) on delete cascade;
alter table ops.run_artifacts drop constraint run_artifacts_run_id_project_id_fkey;
alter table ops.run_artifacts add constraint run_artifacts_project_id_run_id_fkey
  foreign key (project_id, run_id) references ops.runs (project_id, id) on delete cascade;

drop policy "Admins and the invitee can view invitations" on ops.invitations;
create policy "Admins and the invitee can view invitations" on ops.invitations
  for select to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    or (
      email = pg_catalog.lower((select auth.email()))
      and not (select private.is_device_request())
    )
  );
