import { actorsOf } from "./rls-harness"

/**
 * Fixed actors and rows for the SQL tests of the core tables (profiles, devices, audit_log,
 * chat sync, prices and usage): an owner with a live and a revoked device, a stranger with a
 * device, and a project in which the owner's first session lives, with a member of every
 * other role.
 */
export const USERS = {
  owner: "1a000000-0000-4000-8000-000000000001",
  stranger: "1a000000-0000-4000-8000-000000000002",
  viewer: "1a000000-0000-4000-8000-000000000003",
  developer: "1a000000-0000-4000-8000-000000000004",
  admin: "1a000000-0000-4000-8000-000000000005",
  // Not an actor: a user without a profile, the target of the profile insert cell.
  orphan: "1a000000-0000-4000-8000-000000000006",
} as const

export const DEVICES = {
  owner: "1d000000-0000-4000-8000-000000000001",
  ownerSecond: "1d000000-0000-4000-8000-000000000002",
  ownerRevoked: "1d000000-0000-4000-8000-000000000003",
  stranger: "1d000000-0000-4000-8000-000000000004",
} as const

export const ROWS = {
  project: "1b000000-0000-4000-8000-000000000001",
  session: "1c000000-0000-4000-8000-000000000001",
  message: "1e000000-0000-4000-8000-000000000001",
  auditEntry: "1f000000-0000-4000-8000-000000000001",
  globalPrice: "10000000-0000-4000-8000-000000000001",
  ownerPrice: "10000000-0000-4000-8000-000000000002",
} as const

export const FIXTURES_SQL = `
insert into auth.users (id, email, aud, role, raw_user_meta_data, created_at, updated_at) values
  ${Object.entries(USERS)
    .filter(([name]) => name !== "orphan")
    .map(
      ([name, id]) =>
        `('${id}', '${name}@core.test', 'authenticated', 'authenticated', '{"display_name": "${name}"}', now(), now())`
    )
    .join(",\n  ")};

insert into public.devices (id, user_id, name, role, last_seen_at, paired_at, revoked_at) values
  ('${DEVICES.owner}', '${USERS.owner}', 'studio', 'llm_host', now(), now() - interval '1 day', null),
  ('${DEVICES.ownerSecond}', '${USERS.owner}', 'laptop', 'workstation', null, now() - interval '1 day', null),
  ('${DEVICES.ownerRevoked}', '${USERS.owner}', 'old laptop', 'workstation', null, now() - interval '2 days', now() - interval '1 day'),
  ('${DEVICES.stranger}', '${USERS.stranger}', 'stranger box', 'llm_host', now(), now() - interval '1 day', null);

insert into ops.projects (id, name) values ('${ROWS.project}', 'Core fixture project');
insert into ops.project_memberships (project_id, user_id, role) values
  ('${ROWS.project}', '${USERS.owner}', 'owner'),
  ('${ROWS.project}', '${USERS.admin}', 'admin'),
  ('${ROWS.project}', '${USERS.developer}', 'developer'),
  ('${ROWS.project}', '${USERS.viewer}', 'viewer');

insert into public.model_prices (id, user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from) values
  ('${ROWS.globalPrice}', null, 'fixture-model', 1, 2, 0.5, now() - interval '1 year'),
  ('${ROWS.ownerPrice}', '${USERS.owner}', 'owner-model', 3, 4, 1, now() - interval '1 year');

insert into public.cloud_sessions (id, user_id, device_id, project_id, title, model) values
  ('${ROWS.session}', '${USERS.owner}', '${DEVICES.owner}', '${ROWS.project}', 'Fixture session', 'fixture-model');
insert into public.cloud_messages (id, session_id, user_id, device_id, message_index, role, content, model,
  input_tokens, output_tokens, cached_tokens) values
  ('${ROWS.message}', '${ROWS.session}', '${USERS.owner}', '${DEVICES.owner}', 0, 'assistant',
   'The fixture answer', 'fixture-model', 1000, 500, 200);

insert into public.audit_log (id, actor_user_id, action, target_type, target_id) values
  ('${ROWS.auditEntry}', '${USERS.owner}', 'device.renamed', 'device', '${DEVICES.owner}');
`

/**
 * Every incrementally kept number that differs from the same thing computed from scratch:
 * rollup rows, message costs, message projects and session counters. Empty when all agree.
 */
export const MISMATCHES_SQL = `
with scratch as (
  select user_id, (created_at at time zone 'UTC')::date as day, coalesce(model, 'unknown') as model,
         device_id, project_id, count(*) as message_count, sum(input_tokens) as input_tokens,
         sum(output_tokens) as output_tokens, sum(cached_tokens) as cached_tokens, sum(cloud_messages.cost_usd) as cost_usd
    from public.cloud_messages
   where deleted_at is null
   group by 1, 2, 3, 4, 5
)
select 'rollup' as what, coalesce(s.user_id, u.user_id)::text as key
  from scratch s
  full join public.usage_daily u
    on u.user_id = s.user_id and u.day = s.day and u.model = s.model
   and u.device_id is not distinct from s.device_id and u.project_id is not distinct from s.project_id
 where (s.message_count, s.input_tokens, s.output_tokens, s.cached_tokens, s.cost_usd)
       is distinct from (u.message_count, u.input_tokens, u.output_tokens, u.cached_tokens, u.cost_usd)
union all
select 'message cost', m.id::text
  from public.cloud_messages m
 where m.cost_usd <> private.message_cost(m.user_id, m.model, m.created_at, m.input_tokens, m.output_tokens, m.cached_tokens)
union all
select 'message project', m.id::text
  from public.cloud_messages m join public.cloud_sessions s on s.id = m.session_id
 where m.project_id is distinct from s.project_id
union all
select 'session counters', s.id::text
  from public.cloud_sessions s
  left join lateral (
    select count(*) as n, coalesce(sum(m.input_tokens::bigint + m.output_tokens), 0) as tokens, coalesce(sum(m.cost_usd), 0) as cost
      from public.cloud_messages m where m.session_id = s.id and m.deleted_at is null
  ) t on true
 where (s.message_count, s.token_count, s.cost_usd) is distinct from (t.n, t.tokens, t.cost)
`

/** The fixture users as API callers: userActor("owner"), deviceActor("owner", DEVICES.owner). */
export const { userActor, deviceActor, signedOutUser } = actorsOf(
  USERS,
  (user) => `${user}@core.test`
)
