-- Development data for LMX Console (applied by the local stack on a fresh database).
select 1;
