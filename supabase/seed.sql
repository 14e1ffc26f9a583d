-- Development data for LMX Console, applied by the local stack (and `supabase db reset`) on a
-- fresh database. Deterministic: every id and value comes from the row's position, hashed;
-- only timestamps move with now(), so the demo always shows "the last 30 days".
--
-- Accounts (password for both: lmx-demo-password)
--   demo@lmx.local  00000000-0000-4000-a000-000000000001
--   sam@lmx.local   00000000-0000-4000-a000-000000000002
-- Devices (all the demo user's)
--   llm_host    "Studio Mac"     00000000-0000-4000-b000-000000000001  192.168.188.11:1234
--   workstation "Work Laptop"    00000000-0000-4000-b000-000000000002
--   workstation "Home Desktop"   00000000-0000-4000-b000-000000000003
-- Studio Mac's device secret is public, like the demo password: `npm run dev` sends its
-- heartbeats through the device API (scripts/dev-demo-heartbeat.ts), so the demo LLM host is
-- online. Development data only; a real device's secret is random and shown only to it.
--   lmxd_dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd0001

-- Accounts, as hosted Supabase seeds create them: confirmed email identities with bcrypt
-- passwords (the same hash format Supabase Auth writes).
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
       -- crypt('lmx-demo-password', gen_salt('bf', 10)), computed once: bcrypt is deliberately
       -- slow (a third of a second in PGlite), and a fixed salt keeps the seed deterministic.
       '$2a$10$qwQZBM88R6pfWvyl7nZUOePNgTfzOjdEy4UNsKpbxSHzt8PQLmJka',
       now() - interval '45 days',
       '{"provider": "email", "providers": ["email"]}'::jsonb,
       jsonb_build_object('display_name', u.display_name),
       now() - interval '45 days', now() - interval '45 days', '', '', '', ''
  from (values
    ('00000000-0000-4000-a000-000000000001'::uuid, 'demo@lmx.local', 'Demo User'),
    ('00000000-0000-4000-a000-000000000002'::uuid, 'sam@lmx.local', 'Sam Rivera')
  ) as u (id, email, display_name);

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true),
       'email', now() - interval '1 day', u.created_at, u.created_at
  from auth.users u
 where u.id in ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000002');

insert into public.devices (
  id, user_id, name, role, helper_enabled, helper_config, hostname, platform, app_version,
  lan_ip, lan_port, tunnel_url, capabilities, last_seen_at, paired_at, created_at
)
values
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'Studio Mac',
   'llm_host', true, '{"auto_start": true, "max_concurrent": 2}', 'studio.local', 'macOS 15.3 (arm64)',
   '1.8.2', '192.168.188.11', 1234, 'https://studio-mac.tunnel.lmx.example',
   '{"gpu": "Apple M2 Ultra (76-core GPU)", "memory_gb": 192, "server": "lmstudio",
     "models_loaded": ["qwen3-coder-30b-a3b", "llama-3.3-70b-instruct", "gpt-oss-20b"]}',
   now() - interval '20 seconds', now() - interval '40 days', now() - interval '40 days'),
  ('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-a000-000000000001', 'Work Laptop',
   'workstation', false, '{}', 'work-laptop.local', 'macOS 15.3 (arm64)', '1.8.2', '192.168.188.24', 1234,
   null, '{"gpu": "Apple M3 Pro", "memory_gb": 36, "models_loaded": []}',
   now() - interval '6 minutes', now() - interval '38 days', now() - interval '38 days'),
  ('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-a000-000000000001', 'Home Desktop',
   'workstation', true, '{"auto_start": false}', 'home-desktop', 'Windows 11 (x64)', '1.7.9', '192.168.188.31', 1234,
   null, '{"gpu": "NVIDIA RTX 4090 24 GB", "memory_gb": 64, "server": "lmstudio", "models_loaded": ["mistral-small-3.2-24b"]}',
   now() - interval '2 days', now() - interval '35 days', now() - interval '35 days');

insert into private.device_secrets (device_id, secret_hash)
values ('00000000-0000-4000-b000-000000000001',
        private.hash_code('lmxd_dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd0001'));

insert into public.audit_log (actor_user_id, action, target_type, target_id, details, created_at)
select d.user_id, 'device.pairing_approved', 'device', d.id,
       jsonb_build_object('name', d.name, 'hostname', d.hostname, 'platform', d.platform),
       d.paired_at
  from public.devices d
 where d.user_id = '00000000-0000-4000-a000-000000000001';

-- Cloud-equivalent prices per million tokens, so local runs show what they would have cost.
insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
values
  (null, 'qwen3-coder-30b-a3b', 0.20, 0.80, 0.05, now() - interval '90 days'),
  (null, 'llama-3.3-70b-instruct', 0.59, 0.79, 0.15, now() - interval '90 days'),
  (null, 'gpt-oss-20b', 0.10, 0.50, 0.03, now() - interval '90 days'),
  (null, 'gpt-oss-20b', 0.08, 0.40, 0.02, now() - interval '10 days'),
  (null, 'mistral-small-3.2-24b', 0.10, 0.30, 0.03, now() - interval '90 days'),
  (null, 'deepseek-r1-distill-qwen-32b', 0.29, 1.15, 0.07, now() - interval '90 days'),
  (null, 'gemma-3-27b', 0.09, 0.17, 0.02, now() - interval '90 days'),
  ('00000000-0000-4000-a000-000000000001', 'llama-3.3-70b-instruct', 0.40, 0.60, 0.10, now() - interval '90 days');

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

-- 200 sessions: 180 of the demo user's across their devices, 20 of Sam's. h(...) is a
-- deterministic pseudo-random number from md5.
create temporary table seed_sessions as
with params as (
  select i,
         ('x' || substr(md5('lmx-seed-session-' || i), 1, 8))::bit(32)::bigint as h1,
         ('x' || substr(md5('lmx-seed-session-' || i), 9, 8))::bit(32)::bigint as h2
    from generate_series(1, 200) as i
)
select
  i,
  md5('lmx-seed-session-' || i)::uuid as id,
  case when i <= 180 then '00000000-0000-4000-a000-000000000001'::uuid
       else '00000000-0000-4000-a000-000000000002'::uuid end as user_id,
  case when i > 180 then null
       else ('00000000-0000-4000-b000-00000000000' || (1 + h1 % 3))::uuid end as device_id,
  (array['qwen3-coder-30b-a3b', 'llama-3.3-70b-instruct', 'gpt-oss-20b', 'mistral-small-3.2-24b',
         'deepseek-r1-distill-qwen-32b', 'gemma-3-27b'])[1 + (h2 % 6)] as model,
  (array['Refactor the pairing flow', 'Why is my GPU underutilised?', 'Summarise the release notes',
         'Write a Postgres migration for invitations', 'Debug flaky websocket reconnects',
         'Compare quantisation levels for 70B', 'Draft a blog post on local LLMs',
         'Explain RLS initplan warnings', 'Plan the backup workflow', 'Tune LM Studio context length',
         'Translate the onboarding copy', 'Review this TypeScript type error'])[1 + (h1 / 7 % 12)]
    || ' #' || i as title,
  -- Spread over the last 30 days, newest sessions last.
  now() - make_interval(mins => ((200 - i) * 216 + 60 + (h2 % 120))::integer) as started_at,
  -- Between 4 and 46 messages, about 25 on average.
  (4 + (h1 % 43))::integer as message_total
  from params;

insert into public.cloud_sessions (id, user_id, device_id, title, model, created_at, last_modified_at, sync_version)
select s.id, s.user_id, s.device_id, s.title, s.model, s.started_at, s.started_at, 1 + (s.i % 3)
  from seed_sessions s;

-- Every 25th session is a fork of the one before it, from its fourth message.
update public.cloud_sessions c
   set parent_id = md5('lmx-seed-session-' || (s.i - 1))::uuid, branch_point = 3
  from seed_sessions s
 where c.id = s.id and s.i % 25 = 0;

-- Messages alternate user / assistant; every 6th assistant turn calls a tool and is followed
-- by the tool's result. Each message's parent is the one before it.
create temporary table seed_messages as
select
  s.id as session_id, s.user_id, s.device_id, s.model, s.started_at, k,
  md5('lmx-seed-message-' || s.i || '-' || k)::uuid as id,
  case when k = 0 then null else md5('lmx-seed-message-' || s.i || '-' || (k - 1))::uuid end as parent_id,
  case when k % 2 = 0 then (case when k % 12 = 4 then 'tool' else 'user' end) else 'assistant' end as role,
  ('x' || substr(md5('lmx-seed-message-' || s.i || '-' || k), 1, 8))::bit(32)::bigint as h
  from seed_sessions s
  cross join lateral generate_series(0, s.message_total - 1) as k;

-- Written as sync_push writes a batch (private.sync_push_write_messages): each message's
-- project comes from its session, its cloud equivalent from the reference price in force when
-- it was written (private.model_price_versions, private.token_cost) and its local cost from its
-- device (inlined as there); its own cost is not stored but read from the price version in
-- force (public.cost_usd(m)). All computed for the whole set at once, with
-- lmx.trusted_message_write on so the per-row pricing and change-tracking triggers stand aside
-- for these ~7,600 rows. The stored values are the ones those triggers would store; the
-- rollups and the price versions' token sums still come from the statement triggers.
-- Where the flag does not reach (a seed file run outside a transaction), the triggers run and
-- store the same values.
select pg_catalog.set_config('lmx.trusted_message_write', 'on', true);

with seed_versions as materialized (
  select u.user_id, v.*
    from (select distinct user_id from seed_sessions) u
   cross join lateral private.model_price_versions(
     u.user_id, array(select distinct s.model from seed_sessions s where s.user_id = u.user_id)) v
),
seed_rows as (
select
  m.id, m.session_id, m.user_id, m.device_id, m.parent_id, m.k, m.role,
  case m.role
    when 'user' then (array[
      'Can you look at this and tell me what is wrong?',
      'Make it shorter and keep the code blocks.',
      'What would you change for production?',
      'How do I measure tokens per second on the Studio Mac?',
      'Write a test for the failing case first.',
      'Explain it like I am reviewing the pull request.'])[1 + (m.h % 6)]
    when 'tool' then '{"exit_code": 0, "stdout": "12 passed, 0 failed"}'
    else (array[
      E'Here is the fix:\n\n```ts\nconst next = cursor ? decodeCursor(cursor) : null\n```\n\nThe cursor was decoded twice.',
      E'The GPU sits idle while the prompt is tokenised. Raise the batch size to **512** and keep the context under 32k.',
      E'Summary:\n\n- pairing codes now expire after 10 minutes\n- revoked devices are refused at once\n- sync is idempotent',
      E'```sql\ncreate index cloud_messages_session_id_idx on public.cloud_messages (session_id);\n```\nThat covers the foreign key.',
      E'Q4_K_M keeps quality within 1% of Q8 for this model while halving memory; Q3 starts to hurt reasoning.',
      E'I would run the backup workflow nightly and keep seven snapshots, verified by a restore test each week.'])[1 + (m.h % 6)]
  end as content,
  case when m.role = 'assistant' and m.k % 12 = 3 then
    jsonb_build_array(jsonb_build_object(
      'id', 'call_' || substr(m.id::text, 1, 8), 'type', 'function',
      'function', jsonb_build_object('name', 'run_tests', 'arguments', '{"path": "lib/devices"}')))
  end as tool_calls,
  case when m.role = 'assistant' then jsonb_build_object(
    'prompt_tokens', 400 + m.k * 180 + m.h % 300,
    'completion_tokens', 60 + m.h % 900,
    'cached_tokens', (m.k * 150))
  end as token_usage,
  m.model,
  case when m.role = 'assistant' then (400 + m.k * 180 + m.h % 300)::integer else 0 end as input_tokens,
  case when m.role = 'assistant' then (60 + m.h % 900)::integer else 0 end as output_tokens,
  case when m.role = 'assistant' then (m.k * 150)::integer else 0 end as cached_tokens,
  case when m.role = 'assistant' then (18 + m.h % 90)::real end as tokens_per_second,
  case when m.role = 'assistant' then (120 + m.h % 1500)::integer end as time_to_first_token_ms,
  m.started_at + make_interval(secs => m.k * 45) as written_at
  from seed_messages m
)
insert into public.cloud_messages (
  id, session_id, user_id, project_id, device_id, parent_id, message_index, role, content,
  tool_calls, token_usage, model, input_tokens, output_tokens, cached_tokens, tokens_per_second,
  time_to_first_token_ms, local_cost_usd, cloud_equivalent_usd, created_at, last_modified_at
)
select
  r.id, r.session_id, r.user_id, cs.project_id, r.device_id, r.parent_id, r.k, r.role, r.content,
  r.tool_calls, r.token_usage, r.model, r.input_tokens, r.output_tokens, r.cached_tokens,
  r.tokens_per_second, r.time_to_first_token_ms,
  coalesce(case when r.tokens_per_second > 0 then
    case dp.mode
      when 'hourly' then (r.output_tokens / r.tokens_per_second::numeric
        + coalesce(r.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.usd_per_hour
      else (r.output_tokens / r.tokens_per_second::numeric
        + coalesce(r.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.busy_watts / 1000 * dp.usd_per_kwh
    end
  end, 0)::numeric(16, 8),
  coalesce(private.token_cost(r.input_tokens, r.output_tokens, r.cached_tokens,
    v.reference_input_per_mtok, v.reference_cached_per_mtok, v.reference_output_per_mtok), 0),
  r.written_at, r.written_at
  from seed_rows r
  join public.cloud_sessions cs on cs.id = r.session_id
  left join seed_versions v
    on v.user_id = r.user_id and v.model = r.model and r.written_at >= v.valid_from
   and (v.valid_until is null or r.written_at < v.valid_until)
  left join public.device_prices dp on dp.device_id = r.device_id;

select pg_catalog.set_config('lmx.trusted_message_write', '', true);

-- Branches: in every 10th session the first answer was regenerated; the alternative is a
-- sibling of the original (same parent, same index).
insert into public.cloud_messages (
  id, session_id, user_id, device_id, parent_id, message_index, role, content, model,
  input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at, last_modified_at
)
select md5('lmx-seed-branch-' || s.i)::uuid, s.id, s.user_id, s.device_id,
       md5('lmx-seed-message-' || s.i || '-0')::uuid, 1, 'assistant',
       E'A shorter take: the cursor is decoded twice; decode it once in the handler.',
       s.model, 420, 95, 0, 41.5, 310,
       s.started_at + interval '50 seconds', s.started_at + interval '50 seconds'
  from seed_sessions s
 where s.i % 10 = 0;

drop table seed_messages;
drop table seed_sessions;
