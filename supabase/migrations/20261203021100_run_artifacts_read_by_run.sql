-- Run artifacts are read by whoever can see the run (docs/storage.md): the object's path must
-- name a run of that project, read under the caller's own RLS on ops.runs. Before, any member
-- of the project read anything filed under the project's folder, whatever the second folder
-- named; now a file under a run id that is not a run of the project is nobody's to read.
drop policy "Project members read run artifacts" on storage.objects;

create policy "Whoever sees the run reads its artifacts" on storage.objects
  for select to authenticated
  using (
    bucket_id = 'run-artifacts'
    and exists (
      select 1
        from ops.runs r
       where r.id = private.storage_uuid((storage.foldername(name))[2])
         and r.project_id = private.storage_uuid((storage.foldername(name))[1])
    )
  );
