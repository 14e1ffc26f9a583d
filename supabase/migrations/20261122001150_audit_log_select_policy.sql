-- One select policy on audit_log instead of two permissive ones (splinter:
-- multiple_permissive_policies): a user reads the entries they made, and project members
-- read their project's entries, in a single expression evaluated once per row.
drop policy "Users can read the entries they made" on public.audit_log;
drop policy "Project members can read their project's audit entries" on public.audit_log;

create policy "Users read their own entries and members their project's entries" on public.audit_log
  for select to authenticated
  using (
    (actor_user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );
