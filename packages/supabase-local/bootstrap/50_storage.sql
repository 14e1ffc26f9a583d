-- Platform bootstrap: the storage schema as hosted Supabase Storage keeps it (supabase/storage,
-- migrations/tenant 0002 … 0049 folded into their final shape), so that migrations written for
-- hosted Supabase (inserting buckets, policies on storage.objects calling storage.foldername)
-- run unchanged. RLS is on for both tables with no policies: the project writes its own.
create schema if not exists storage;
grant usage on schema storage to postgres, anon, authenticated, service_role;
alter default privileges in schema storage grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema storage grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema storage grant all on sequences to postgres, anon, authenticated, service_role;

create table if not exists storage.buckets (
  id text not null primary key,
  name text not null,
  owner uuid,
  owner_id text,
  public boolean default false,
  -- Bytes, as hosted stores it since migration 0014 (the API accepts "50MB" and converts).
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create unique index if not exists bname on storage.buckets using btree (name);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';

create table if not exists storage.objects (
  id uuid not null default gen_random_uuid() primary key,
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  user_metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text
);
create unique index if not exists bucketid_objname on storage.objects using btree (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

grant all on storage.buckets, storage.objects to anon, authenticated, service_role;

create or replace function storage.foldername(name text)
returns text[]
language plpgsql
immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text)
returns text
language plpgsql
immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text)
returns text
language plpgsql
immutable
as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

-- Hosted's storage.search (migration 0009/0034): one level of a folder, folders as rows
-- without an id, run as the caller so that RLS on storage.objects decides what is listed.
create or replace function storage.search(
  prefix text,
  bucketname text,
  limits int default 100,
  levels int default 1,
  offsets int default 0,
  search text default '',
  sortcolumn text default 'name',
  sortorder text default 'asc'
)
returns table (
  name text,
  id uuid,
  updated_at timestamptz,
  created_at timestamptz,
  last_accessed_at timestamptz,
  metadata jsonb
)
language plpgsql
stable
as $$
declare
  v_order text := case when lower(sortorder) = 'desc' then 'desc' else 'asc' end;
  v_column text := case
    when sortcolumn in ('name', 'updated_at', 'created_at', 'last_accessed_at') then sortcolumn
    else 'name'
  end;
begin
  return query execute format(
    $sql$
      with entries as (
        select o.path_tokens[$1] as entry,
               bool_or(coalesce(array_length(o.path_tokens, 1), 0) > $1) as is_folder,
               max(o.id::text) filter (where array_length(o.path_tokens, 1) = $1) as object_id
          from storage.objects o
         where o.bucket_id = $2
           and o.name like $3 escape '\'
           and o.path_tokens[$1] ilike $4 escape '\'
         group by 1
      ),
      folders as (
        select e.entry as name, null::uuid as id, null::timestamptz as updated_at,
               null::timestamptz as created_at, null::timestamptz as last_accessed_at,
               null::jsonb as metadata
          from entries e
         where e.is_folder
      ),
      files as (
        select e.entry as name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
          from entries e
          join storage.objects o on o.id = e.object_id::uuid
      )
      select * from (
        select * from folders
        union all
        select * from files
      ) listed
      order by %I %s nulls last, listed.name
      limit $5 offset $6
    $sql$, v_column, v_order)
  using levels,
        bucketname,
        replace(replace(replace(prefix, '\', '\\'), '%', '\%'), '_', '\_') || '%',
        replace(replace(replace(coalesce(search, ''), '\', '\\'), '%', '\%'), '_', '\_') || '%',
        limits,
        offsets;
end
$$;

-- The bytes a bucket holds, as hosted's storage.get_size_by_bucket reports usage.
create or replace function storage.get_size_by_bucket()
returns table (size bigint, bucket_id text)
language plpgsql
stable
as $$
begin
  return query
    select sum((o.metadata ->> 'size')::int)::bigint as size, o.bucket_id
      from storage.objects o
     group by o.bucket_id;
end
$$;

create or replace function storage.update_updated_at_column()
returns trigger
language plpgsql
as $$
begin
  new.updated_at = now();
  return new;
end
$$;

drop trigger if exists update_objects_updated_at on storage.objects;
create trigger update_objects_updated_at
  before update on storage.objects
  for each row execute function storage.update_updated_at_column();

grant execute on all functions in schema storage to anon, authenticated, service_role;
