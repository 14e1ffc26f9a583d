-- Platform bootstrap: what a new hosted project has before its first migration, so that
-- migrations written for hosted Supabase run unchanged.
--
-- The extensions schema's default extensions, as supabase/postgres creates them
-- (migrations/db/init-scripts/00000000000000-initial-schema.sql; pg_stat_statements as its
-- migrations/schema-15.sql dump shows). Each only where this engine has it: a Postgres server
-- has them with its contrib package; PGlite loads pgcrypto and uuid-ossp always and
-- pg_stat_statements only for a project that creates it (db/pglite-extension-names.ts says
-- why). pgjwt, the third default there, is Supabase's own and is in neither.
do $$
declare
  ext text;
begin
  foreach ext in array array['uuid-ossp', 'pgcrypto', 'pg_stat_statements'] loop
    if exists (select 1 from pg_catalog.pg_available_extensions a where a.name = ext)
      and not exists (select 1 from pg_catalog.pg_extension e where e.extname = ext)
    then
      execute format('create extension %I with schema extensions', ext);
    end if;
  end loop;
end
$$;

-- The migration role's search path, as hosted sets it for postgres
-- (migrations/db/init-scripts/00000000000003-post-setup.sql; the Supabase CLI's globals.sql:
-- ALTER ROLE postgres SET search_path TO "$user", public, extensions), so that unqualified
-- gen_random_bytes() or uuid_generate_v4() in a migration resolve as they do there. This
-- stack's database user plays postgres (on PGlite it is postgres). The setting is kept per
-- database, as several local databases may share one Postgres server. The API roles get the
-- same path per request from PostgREST's db-extra-search-path ([api] extra_search_path,
-- rest/kernel.ts), as on hosted: they are switched to with SET ROLE, where role settings do
-- not apply.
do $$
begin
  execute format(
    'alter role %I in database %I set search_path to "$user", public, extensions',
    current_user, current_database());
end
$$;
