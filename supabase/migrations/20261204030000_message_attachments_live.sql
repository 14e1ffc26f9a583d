-- Attachments appear live on an open session page (docs/storage.md, "Chat attachments"). A
-- device records an attachment (public.attach_message_file, …022000) before it sends the bytes,
-- so the row alone does not say the file can be shown: uploaded_at does. It is set when the
-- object lands in the chat-attachments bucket (any upload path: a PUT to a signed URL, TUS,
-- an upsert of the same bytes), by a trigger on storage.objects, as Supabase projects hang
-- their own triggers on that table. The table joins the Realtime publication; Realtime checks
-- each subscriber's RLS on public.message_attachments (whoever reads the message) before it
-- delivers a change.

alter table public.message_attachments add column uploaded_at timestamptz;

-- What is already there.
update public.message_attachments a
   set uploaded_at = o.created_at
  from storage.objects o
 where o.bucket_id = 'chat-attachments'
   and o.name = a.object_path
   and (o.metadata ->> 'size')::bigint = a.size_bytes;

-- Security definer: the object is written by whoever Storage writes as (the service role for a
-- signed upload, the user otherwise), and message_attachments has no write grant for them.
-- Only rows whose path and size match the object are marked, so a different file at that path
-- does not make a card look ready.
create or replace function private.message_attachment_uploaded()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.message_attachments a
     set uploaded_at = now()
   where a.object_path = new.name
     and a.size_bytes = (new.metadata ->> 'size')::bigint;

  return null;
end
$$;

revoke execute on function private.message_attachment_uploaded() from public, anon, authenticated;

create trigger message_attachment_uploaded
  after insert or update of metadata, version on storage.objects
  for each row
  when (new.bucket_id = 'chat-attachments')
  execute function private.message_attachment_uploaded();

alter publication supabase_realtime add table public.message_attachments;
