-- Invitation tokens are hashed with core sha256() rather than pgcrypto's digest(), which the
-- embedded engine's pgcrypto build fails to initialise now and then. Same hex output, so
-- stored hashes stay valid.
create or replace function private.hash_token(p_token text)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')), 'hex')
$$;
