-- Platform bootstrap: the publication Supabase Realtime follows. Migrations add tables to it.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
