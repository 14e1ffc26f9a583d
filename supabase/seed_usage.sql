-- Usage demo data (after seed.sql and seed_projects.sql): a monthly budget for the demo user
-- and one for their first project. The reference cloud price list, the local model ->
-- reference mapping and the priced LLM hosts are in seed.sql, before the messages, so each
-- message is priced once as it is written rather than re-priced by every price insert here.

-- A monthly budget for the demo user, and one for their first project.
insert into public.usage_budgets (user_id, project_id, monthly_usd, monthly_tokens, warn_at_percent)
values
  ('00000000-0000-4000-a000-000000000001', null, 2.00, null, 50),
  (null, '00000000-0000-4000-c000-000000000001', 20.00, 5000000, 75)
on conflict do nothing;
