-- Demo chat attachments (docs/storage.md, "Chat attachments"): the tool-calls demo session's
-- first question carries a screenshot and a log. Their bytes are under
-- supabase/storage/chat-attachments (the bucket's objects_path in config.toml, uploaded at
-- boot as `supabase start` / `supabase seed buckets` do), at the path each row names:
-- <user_id>/<session_id>/<sha256>/<name>.

insert into public.message_attachments
  (id, message_id, session_id, user_id, object_path, name, mime_type, size_bytes, sha256)
select md5('lmx-demo-attachment-' || a.name)::uuid,
       md5('lmx-demo-tools-t0')::uuid,
       md5('lmx-demo-session-tools')::uuid,
       '00000000-0000-4000-a000-000000000001',
       '00000000-0000-4000-a000-000000000001/' || md5('lmx-demo-session-tools')::uuid || '/'
         || a.sha256 || '/' || a.name,
       a.name, a.mime_type, a.size_bytes, a.sha256
  from (values
    ('backup-error.png', 'image/png', 287,
     '5ed275a4e1db8270bc6f4be0137e66234fc340ee023b9f091101d1e494837541'),
    ('backup-log.txt', 'text/plain', 162,
     '888ea0988f0758c96b14d2cecdecba27d4aa9479d58c4aef67d165fb8a30993f')
  ) as a (name, mime_type, size_bytes, sha256)
on conflict (id) do nothing;
