-- Ties audit entries to ops projects: the foreign key public.audit_log could not declare
-- before ops existed (set null when a project goes, which the audit trigger permits), and
-- the audit log's select policy, which reads project memberships.
alter table public.audit_log
  add constraint audit_log_project_id_fkey
  foreign key (project_id) references ops.projects (id) on delete set null;

-- One select policy, not two permissive ones (splinter: multiple_permissive_policies): a user
-- reads the entries they made, and project members their project's, in one expression.
create policy "Users read their own entries and members their project's entries" on public.audit_log
  for select to authenticated
  using (
    (actor_user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );
