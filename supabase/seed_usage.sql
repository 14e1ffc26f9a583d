-- Usage demo data (after seed.sql): the default reference cloud price list, the default
-- local model -> reference mapping, a priced LLM host and a monthly budget for the demo user.

-- Reference cloud models, per million tokens (input, output, cached input) as their providers
-- list them. Maintained here; users override any of them on /usage/prices.
insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
values
  (null, 'gpt-4.1', 2.00, 8.00, 0.50, '2025-04-14'),
  (null, 'gpt-4.1-mini', 0.40, 1.60, 0.10, '2025-04-14'),
  (null, 'o4-mini', 1.10, 4.40, 0.275, '2025-04-16'),
  (null, 'claude-sonnet-4', 3.00, 15.00, 0.30, '2025-05-22'),
  (null, 'gemini-2.5-flash', 0.30, 2.50, 0.075, '2025-06-17')
on conflict on constraint model_prices_user_id_model_effective_from_key do nothing;

-- What each local model is compared with: a hosted model of similar quality.
insert into public.model_references (user_id, model, reference_model)
values
  (null, 'llama-3.3-70b-instruct', 'gpt-4.1'),
  (null, 'qwen3-coder-30b-a3b', 'gpt-4.1-mini'),
  (null, 'gpt-oss-20b', 'o4-mini'),
  (null, 'mistral-small-3.2-24b', 'gpt-4.1-mini'),
  (null, 'deepseek-r1-distill-qwen-32b', 'o4-mini'),
  (null, 'gemma-3-27b', 'gemini-2.5-flash'),
  -- The demo user's own choice for the 70B: compared with a stronger model.
  ('00000000-0000-4000-a000-000000000001', 'llama-3.3-70b-instruct', 'claude-sonnet-4')
on conflict on constraint model_references_user_id_model_key do nothing;

-- The Studio Mac is priced by energy; the Home Desktop by the hour (a rented GPU box would be
-- the same); the Work Laptop is left unpriced.
insert into public.device_prices (device_id, user_id, mode, usd_per_hour, usd_per_kwh, idle_watts, busy_watts)
values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'energy', null, 0.32, 15, 180),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-a000-000000000001', 'hourly', 0.45, null, null, null)
on conflict (device_id) do nothing;

-- A monthly budget for the demo user, and one for their first project.
insert into public.usage_budgets (user_id, project_id, monthly_usd, monthly_tokens, warn_at_percent)
values
  ('00000000-0000-4000-a000-000000000001', null, 2.00, null, 50),
  (null, '00000000-0000-4000-c000-000000000001', 20.00, 5000000, 75)
on conflict do nothing;
