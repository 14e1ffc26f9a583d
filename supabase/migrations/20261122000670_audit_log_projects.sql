-- Ties audit entries to ops projects: the foreign key public.audit_log could not declare
-- before ops existed (set null when a project goes, which the audit trigger permits), and
-- read access for the project's members.
alter table public.audit_log
  add constraint audit_log_project_id_fkey
  foreign key (project_id) references ops.projects (id) on delete set null;

create policy "Project members can read their project's audit entries" on public.audit_log
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));
