import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  MISMATCHES_SQL,
  userActor,
  USERS,
} from "./core-fixtures"
import { runAs, type Actor } from "./rls-harness"

// sync_push prices a batch once per model and price period (private.model_price_versions),
// not once per message. Every message it stores must still cost exactly what
// private.message_cost, private.message_local_cost and private.message_cloud_equivalent give it
// one by one: overrides starting before and after a global change, another user's override,
// a model mapped to a reference whose own price changes, messages before a model's first
// price and exactly at an effective_from, hourly and energy devices, a console push without a
// device, and an update that keeps the row's device and creation time.
const T0 = Date.parse("2026-11-01T00:00:00Z")
const DAY = 86_400_000
const at = (days: number) => new Date(T0 + days * DAY).toISOString()

const PRICES_SQL = `
insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from) values
  (null, 'fixture-model', 1.9, 3.7, 0.45, '${at(5)}'),
  ('${USERS.owner}', 'fixture-model', 0.9, 1.3, 0.2, '${at(12)}'),
  ('${USERS.stranger}', 'fixture-model', 9, 9, 9, '${at(8)}'),
  ('${USERS.owner}', 'early-override', 2.2, 4.4, 0.3, '${at(3)}'),
  (null, 'early-override', 7.5, 15, 1.5, '${at(9)}'),
  (null, 'late-priced', 0.6, 2.4, 0.06, '${at(10)}'),
  (null, 'cloud-reference', 2.5, 10, 1.25, '${at(-30)}'),
  (null, 'cloud-reference', 3.1, 12.7, 1.3, '${at(7)}'),
  ('${USERS.owner}', 'cloud-reference', 2.9, 11.1, 0.9, '${at(14)}'),
  ('${USERS.owner}', 'cloud-own', 0.7, 2.9, 0.1, '${at(4)}'),
  (null, 'local-llama', 0.01, 0.02, 0, '${at(6)}');
insert into public.model_references (user_id, model, reference_model) values
  (null, 'local-llama', 'cloud-reference'),
  (null, 'own-mapped', 'cloud-reference'),
  ('${USERS.owner}', 'own-mapped', 'cloud-own'),
  ('${USERS.stranger}', 'late-priced', 'cloud-own');
insert into public.device_prices (device_id, user_id, mode, usd_per_hour) values
  ('${DEVICES.owner}', '${USERS.owner}', 'hourly', 1.37);
insert into public.device_prices (device_id, user_id, mode, usd_per_kwh, idle_watts, busy_watts) values
  ('${DEVICES.ownerSecond}', '${USERS.owner}', 'energy', 0.31, 20, 415);
`

const MODELS = [
  "fixture-model",
  "owner-model",
  "early-override",
  "late-priced",
  "local-llama",
  "own-mapped",
  "unpriced",
  null,
]
// Every effective_from above, so some messages land exactly on one.
const EDGES = [-30, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14]

type Pushed = { id: string; model: string | null; created_at: string }

function messagesFor(prefix: string, session: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const day = i % 5 === 0 ? EDGES[i % EDGES.length]! : ((i * 37) % 200) / 10 - 2

    return {
      id: `${prefix}-0000-4000-8000-${String(i).padStart(12, "0")}`,
      session_id: session,
      sync_version: 1,
      message_index: i,
      role: "assistant",
      content: `m${i}`,
      model: MODELS[i % MODELS.length] ?? null,
      input_tokens: (i * 7919) % 5000,
      output_tokens: (i * 104729) % 3000,
      cached_tokens: Math.min((i * 31) % 400, (i * 7919) % 5000),
      tokens_per_second: i % 4 === 0 ? null : ((i * 13) % 180) + 0.5,
      time_to_first_token_ms: i % 3 === 0 ? null : (i * 97) % 2500,
      created_at: at(day),
    }
  })
}

describe(`sync_push prices a batch per price version as one message at a time would (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(PRICES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  async function push(actor: Actor, sessions: unknown[], messages: unknown[]) {
    const { rows } = await runAs(database.db, actor, (tx) =>
      tx.query<{ status: string }>("select status from public.sync_push($1)", [
        JSON.stringify({ sessions, messages }),
      ])
    )

    return rows.map((r) => r.status)
  }

  async function compare(ids: string[]) {
    const { rows } = await database.db.query<{
      id: string
      stored: string
      scratch: string
    }>(
      `select id,
              concat_ws(' ', cloud_messages.cost_usd, local_cost_usd, cloud_equivalent_usd) as stored,
              concat_ws(' ',
                private.message_cost(user_id, model, created_at, input_tokens, output_tokens, cached_tokens),
                private.message_local_cost(device_id, output_tokens, tokens_per_second, time_to_first_token_ms),
                private.message_cloud_equivalent(user_id, model, created_at, input_tokens, output_tokens, cached_tokens)
              ) as scratch
         from public.cloud_messages where id = any ($1::uuid[]) order by id`,
      [ids]
    )
    expect(rows).toHaveLength(ids.length)
    expect(rows.map((r) => `${r.id} ${r.stored}`)).toEqual(rows.map((r) => `${r.id} ${r.scratch}`))

    return rows.map((r) => r.stored.split(" ").map(Number) as [number, number, number])
  }

  it("stores per-row prices for two devices and a console push", async () => {
    const pushes: { actor: Actor; session: string; prefix: string }[] = [
      {
        actor: deviceActor("owner", DEVICES.owner),
        session: "2c000000-0000-4000-8000-000000000001",
        prefix: "2f000001",
      },
      {
        actor: deviceActor("owner", DEVICES.ownerSecond),
        session: "2c000000-0000-4000-8000-000000000002",
        prefix: "2f000002",
      },
      {
        actor: userActor("owner"),
        session: "2c000000-0000-4000-8000-000000000003",
        prefix: "2f000003",
      },
    ]
    const all: Pushed[] = []
    for (const { actor, session, prefix } of pushes) {
      const messages = messagesFor(prefix, session, 160)
      const statuses = await push(actor, [{ id: session, sync_version: 1 }], messages)
      expect(new Set(statuses)).toEqual(new Set(["applied"]))
      all.push(...messages)
    }

    const prices = await compare(all.map((m) => m.id))
    // The samples reach every branch, so a wrong rule cannot hide behind zeros.
    const cost = prices.map((p) => p[0])
    const local = prices.map((p) => p[1])
    const cloud = prices.map((p) => p[2])
    expect(cost.filter((c) => c > 0).length).toBeGreaterThan(200)
    expect(cost.some((c) => c === 0)).toBe(true)
    expect(local.filter((c) => c > 0).length).toBeGreaterThan(100)
    expect(cloud.filter((c) => c > 0).length).toBeGreaterThan(50)
    const onEdge = all.filter((m) => EDGES.some((d) => m.created_at === at(d)))
    expect(onEdge.length).toBeGreaterThan(20)
  })

  it("prices an update at the row's own creation time and device", async () => {
    const session = "2c000000-0000-4000-8000-000000000002"
    // Version 2 of the energy device's messages, without created_at: written_at stays the
    // stored one, and the price periods are looked up again for it.
    const updated = messagesFor("2f000002", session, 160)
      .filter((_, i) => i % 2 === 0)
      .map(({ created_at: _created, ...m }) => ({
        ...m,
        sync_version: 2,
        output_tokens: m.output_tokens + 17,
      }))
    const statuses = await push(deviceActor("owner", DEVICES.ownerSecond), [], updated)
    expect(new Set(statuses)).toEqual(new Set(["applied"]))
    const prices = await compare(updated.map((m) => m.id))
    expect(prices.some((p) => p[1] > 0)).toBe(true)
  })

  // The insert triggers choose each row's price version per owner, model and period
  // (private.price_periods), not per row: one statement holding two owners with different
  // overrides, rows before a first price and exactly on an effective_from, must leave every
  // rollup, each registered zone's local days, the session totals and the version sums equal
  // to the messages' own costs.
  it("keeps rollups, local days, session totals and version sums equal to the messages, two owners in one insert with deleted rows", async () => {
    const owner = "2c000000-0000-4000-8000-000000000004"
    const stranger = "2c000000-0000-4000-8000-000000000005"
    await database.db.exec(`
      select private.usage_local_days_ensure('Asia/Kolkata', '${USERS.owner}');
      select private.usage_local_days_ensure('America/New_York', '${USERS.stranger}');
      insert into public.cloud_sessions (id, user_id, device_id, title) values
        ('${owner}', '${USERS.owner}', '${DEVICES.owner}', 'Two owners, owner'),
        ('${stranger}', '${USERS.stranger}', '${DEVICES.stranger}', 'Two owners, stranger');
    `)
    // Every ninth message arrives deleted: the insert trigger counts none of them anywhere.
    const deleted = <M extends Pushed>(m: M, i: number) => ({
      ...m,
      deleted_at: i % 9 === 4 ? m.created_at : null,
    })
    const rows = [
      ...messagesFor("2f000004", owner, 120).map((m, i) => ({
        ...deleted(m, i),
        user_id: USERS.owner,
      })),
      ...messagesFor("2f000005", stranger, 120).map((m, i) => ({
        ...deleted(m, i),
        user_id: USERS.stranger,
      })),
    ]
    await database.db.query(
      `insert into public.cloud_messages (id, session_id, user_id, device_id, message_index, role,
         content, model, input_tokens, output_tokens, cached_tokens, tokens_per_second,
         time_to_first_token_ms, created_at, deleted_at)
       select x.id, x.session_id, x.user_id, x.device_id, x.message_index, x.role, x.content,
              x.model, x.input_tokens, x.output_tokens, x.cached_tokens, x.tokens_per_second,
              x.time_to_first_token_ms, x.created_at, x.deleted_at
         from jsonb_to_recordset($1::jsonb) as x (id uuid, session_id uuid, user_id uuid,
           device_id uuid, message_index int, role text, content text, model text,
           input_tokens int, output_tokens int, cached_tokens int, tokens_per_second real,
           time_to_first_token_ms int, created_at timestamptz, deleted_at timestamptz)`,
      [
        JSON.stringify(
          rows.map((m) => ({
            ...m,
            device_id: m.user_id === USERS.owner ? DEVICES.owner : DEVICES.stranger,
          }))
        ),
      ]
    )

    // The same update keeps the counters and the last activity: messages older than the
    // session's activity leave it where it was, a newer one moves it to its time.
    const activity = async () =>
      (
        await database.db.query<{ id: string; at: string }>(
          `select id, last_activity_at::text as at from public.cloud_sessions
            where id in ('${owner}', '${stranger}') order by id`
        )
      ).rows
    const before = await activity()
    await database.db.query(
      `insert into public.cloud_messages (id, session_id, user_id, message_index, role, created_at)
       values ('2f000006-0000-4000-8000-000000000001', $1, $2, 500, 'user', $3),
              ('2f000006-0000-4000-8000-000000000002', $4, $5, 500, 'user', $6)`,
      [owner, USERS.owner, at(-40), stranger, USERS.stranger, "2099-01-01T00:00:00Z"]
    )
    const after = await activity()
    expect(after[0]).toEqual(before[0])
    expect(Date.parse(after[1]!.at)).toBe(Date.parse("2099-01-01T00:00:00Z"))
    const { rows: mismatches } = await database.db.query(MISMATCHES_SQL)
    expect(mismatches).toEqual([])
    const { rows: local } = await database.db.query<{ key: string }>(`
      with scratch as (
        select m.user_id, z.tz, (m.created_at at time zone z.tz)::date as day,
               coalesce(m.model, 'unknown') as model, m.device_id, m.project_id,
               count(*) as messages, sum(m.cost_usd) as cost
          from public.cloud_messages m
          join private.usage_local_zones z on z.user_id = m.user_id
         where m.deleted_at is null
         group by 1, 2, 3, 4, 5, 6
      )
      select concat_ws(' ', coalesce(s.user_id, u.user_id), coalesce(s.tz, u.tz), coalesce(s.day, u.day)) as key
        from scratch s
        full join public.usage_local_days u
          on u.user_id = s.user_id and u.tz = s.tz and u.day = s.day and u.model = s.model
         and u.device_id is not distinct from s.device_id
         and u.project_id is not distinct from s.project_id
       where (coalesce(s.messages, 0), coalesce(s.cost, 0))
             is distinct from (coalesce(u.message_count, 0), coalesce(u.cost_usd, 0))`)
    expect(local).toEqual([])
    const { rows: versions } = await database.db.query<{ key: string }>(`
      with scratch as (
        select v.id as price_id, m.session_id, count(*) as messages,
               sum(m.input_tokens) as input, sum(m.output_tokens) as output
          from public.cloud_messages m
          join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
         where m.deleted_at is null
         group by 1, 2
      )
      select concat_ws(' ', coalesce(s.price_id, t.price_id), coalesce(s.session_id, t.session_id)) as key
        from scratch s
        full join private.session_price_tokens t
          on t.price_id = s.price_id and t.session_id = s.session_id
       where (coalesce(s.messages, 0), coalesce(s.input, 0), coalesce(s.output, 0))
             is distinct from (coalesce(t.messages, 0), coalesce(t.input_tokens, 0), coalesce(t.output_tokens, 0))`)
    expect(versions).toEqual([])
    // The version sums per 15-minute slot, and every column of the hourly rollup (local cost,
    // cloud equivalent, timed tokens and generation time too), against the messages.
    const { rows: slots } = await database.db.query<{ key: string }>(`
      with scratch as (
        select v.id as price_id, m.user_id, private.price_slot(m.created_at) as slot, m.model,
               m.device_id, m.project_id, count(*) as messages, sum(m.input_tokens) as input,
               sum(m.cached_tokens) as cached, sum(m.output_tokens) as output
          from public.cloud_messages m
          join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
         where m.deleted_at is null
         group by 1, 2, 3, 4, 5, 6
      )
      select concat_ws(' ', coalesce(s.price_id, u.price_id), coalesce(s.slot, u.slot)) as key
        from scratch s
        full join private.usage_price_slots u
          on u.price_id = s.price_id and u.user_id = s.user_id and u.slot = s.slot
         and u.model = s.model and u.device_id is not distinct from s.device_id
         and u.project_id is not distinct from s.project_id
       where (s.messages, s.input, s.cached, s.output)
             is distinct from (u.messages, u.input_tokens, u.cached_tokens, u.output_tokens)`)
    expect(slots).toEqual([])
    const { rows: hours } = await database.db.query<{ key: string }>(`
      with scratch as (
        select m.user_id, pg_catalog.date_trunc('hour', m.created_at, 'UTC') as hour,
               coalesce(m.model, 'unknown') as model, m.device_id, m.project_id,
               count(*) as messages, sum(m.cost_usd) as cost, sum(m.local_cost_usd) as local_cost,
               sum(m.cloud_equivalent_usd) as cloud,
               coalesce(sum(m.output_tokens) filter (where m.tokens_per_second > 0), 0) as timed,
               sum(private.message_generation_seconds(m.output_tokens, m.tokens_per_second)) as seconds
          from public.cloud_messages m
         where m.deleted_at is null
         group by 1, 2, 3, 4, 5
      )
      select concat_ws(' ', coalesce(s.user_id, u.user_id), coalesce(s.hour, u.hour), coalesce(s.model, u.model)) as key
        from scratch s
        full join public.usage_hourly u
          on u.user_id = s.user_id and u.hour = s.hour and u.model = s.model
         and u.device_id is not distinct from s.device_id
         and u.project_id is not distinct from s.project_id
       where (s.messages, s.cost, s.local_cost, s.cloud, s.timed, s.seconds)
             is distinct from (u.message_count, u.cost_usd, u.local_cost_usd,
                               u.cloud_equivalent_usd, u.timed_output_tokens, u.generation_seconds)`)
    expect(hours).toEqual([])
    // The statement reached both owners' overrides and rows with no price at all.
    const { rows: reach } = await database.db.query<{
      priced: number
      unpriced: number
      owners: number
      deleted: number
      local_priced: number
    }>(
      `select count(*) filter (where m.cost_usd > 0)::int as priced,
              count(*) filter (where m.cost_usd = 0)::int as unpriced,
              count(distinct p.user_id)::int as owners,
              count(*) filter (where m.deleted_at is not null)::int as deleted,
              count(*) filter (where m.local_cost_usd > 0)::int as local_priced
         from public.cloud_messages m
         left join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
         left join public.model_prices p on p.id = v.id
        where m.session_id in ('${owner}', '${stranger}')`
    )
    expect(reach[0]!.priced).toBeGreaterThan(60)
    expect(reach[0]!.unpriced).toBeGreaterThan(10)
    expect(reach[0]!.owners).toBe(2)
    expect(reach[0]!.deleted).toBeGreaterThan(20)
    expect(reach[0]!.local_priced).toBeGreaterThan(40)
  })
})
