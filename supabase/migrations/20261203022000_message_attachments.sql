-- Files attached to chat messages (docs/storage.md, "Chat attachments"). The bytes live in the
-- private chat-attachments bucket at <user_id>/<session_id>/<sha256>/<name>, whose policies
-- (…012000) let the owner, their live devices and members of the session's project read them;
-- this table is what a message says it carries, so the session page can list and sign them.
-- The same file attached twice to a message is one row (same path), and the same bytes in one
-- session are one object (the sha256 folder), whatever the number of syncs.

create table public.message_attachments (
  id uuid primary key default gen_random_uuid(),
  message_id uuid not null references public.cloud_messages (id) on delete cascade,
  session_id uuid not null,
  user_id uuid not null,
  object_path text not null check (char_length(object_path) <= 1024),
  name text not null check (char_length(name) between 1 and 255),
  mime_type text not null check (char_length(mime_type) between 3 and 255),
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  constraint message_attachments_message_id_object_path_key unique (message_id, object_path)
);

create index message_attachments_session_id_idx on public.message_attachments (session_id);

alter table public.message_attachments enable row level security;
revoke all on public.message_attachments from anon;
-- Written only by public.attach_message_file (below); read as the message is.
revoke insert, update, delete, truncate, references, trigger on public.message_attachments
  from authenticated;
grant select on public.message_attachments to authenticated;

-- Whoever may read the message may see what it carries: the subquery runs under
-- cloud_messages' own policy (owner and live devices, members of the session's project).
create policy "Whoever reads a message sees its attachments" on public.message_attachments
  for select to authenticated
  using (exists (select 1 from public.cloud_messages m where m.id = message_id));

-- Whether a MIME type is one a bucket accepts: exact, or a `type/*` wildcard, as Storage
-- matches allowed_mime_types (src/storage/uploader.ts validateMimeType).
create or replace function private.mime_type_allowed(p_allowed text[], p_type text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_allowed is null
      or cardinality(p_allowed) = 0
      or p_type = any (p_allowed)
      or (split_part(p_type, '/', 1) || '/*') = any (p_allowed)
$$;

-- A device records a file it found next to a message it synced and learns where the bytes go
-- and whether they are there already (a re-sync uploads nothing twice). The session and the
-- message are named by the app's ids, as the device pushed them; the bucket's own size and
-- type limits are checked here too, so a refusal comes with the reason before any upload.
create or replace function public.attach_message_file(
  p_session_client_id text,
  p_message_client_id text,
  p_name text,
  p_mime_type text,
  p_size_bytes bigint,
  p_sha256 text
)
returns table (id uuid, object_path text, uploaded boolean)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_device uuid := private.current_device_id();
  v_session public.cloud_sessions%rowtype;
  v_message uuid;
  v_bucket storage.buckets%rowtype;
  v_path text;
begin
  if v_user is null or v_device is null or not private.requester_is_active() then
    raise exception 'only a paired device records attachments' using errcode = '42501';
  end if;
  if p_name is null or p_name !~ '^[A-Za-z0-9_!.*''() &$=@;:+,?-]{1,255}$' or p_name in ('.', '..') then
    raise exception 'attachment name % is not a plain file name', coalesce(p_name, 'null')
      using errcode = '22023';
  end if;
  if p_sha256 is null or p_sha256 !~ '^[0-9a-f]{64}$' then
    raise exception 'sha256 must be 64 lowercase hex digits' using errcode = '22023';
  end if;
  select * into v_bucket from storage.buckets b where b.id = 'chat-attachments';
  if p_size_bytes is null or p_size_bytes < 0
     or (v_bucket.file_size_limit is not null and p_size_bytes > v_bucket.file_size_limit) then
    raise exception 'the file is % bytes, over the % bytes chat attachments take',
      p_size_bytes, v_bucket.file_size_limit using errcode = '54000';
  end if;
  if p_mime_type is null or p_mime_type !~ '^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$'
     or not private.mime_type_allowed(v_bucket.allowed_mime_types, p_mime_type) then
    raise exception 'chat attachments do not take % files', coalesce(p_mime_type, 'untyped')
      using errcode = '22023';
  end if;

  select * into v_session
    from public.cloud_sessions s
   where s.device_id = v_device and s.client_id = p_session_client_id and s.user_id = v_user;
  if v_session.id is null then
    raise exception 'no session % synced by this device', p_session_client_id using errcode = 'P0002';
  end if;
  select m.id into v_message
    from public.cloud_messages m
   where m.session_id = v_session.id and m.client_id = p_message_client_id;
  if v_message is null then
    raise exception 'no message % in session %', p_message_client_id, p_session_client_id
      using errcode = 'P0002';
  end if;

  v_path := v_user::text || '/' || v_session.id::text || '/' || p_sha256 || '/' || p_name;
  insert into public.message_attachments as a
    (message_id, session_id, user_id, object_path, name, mime_type, size_bytes, sha256)
  values (v_message, v_session.id, v_user, v_path, p_name, p_mime_type, p_size_bytes, p_sha256)
  on conflict on constraint message_attachments_message_id_object_path_key
    do update set mime_type = excluded.mime_type, size_bytes = excluded.size_bytes;

  return query
    select a.id, a.object_path,
           exists (select 1 from storage.objects o
                    where o.bucket_id = 'chat-attachments' and o.name = a.object_path
                      and (o.metadata ->> 'size')::bigint = a.size_bytes)
      from public.message_attachments a
     where a.message_id = v_message and a.object_path = v_path;
end
$$;

revoke execute on function public.attach_message_file(text, text, text, text, bigint, text) from public, anon;
grant execute on function public.attach_message_file(text, text, text, text, bigint, text) to authenticated;
revoke execute on function private.mime_type_allowed(text[], text) from public, anon;
grant execute on function private.mime_type_allowed(text[], text) to authenticated, service_role;
