import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, FIXTURES_SQL, ROWS, userActor, USERS } from "./core-fixtures"
import { actAs } from "./rls-harness"

// Re-pricing writes the message prices and moves the rollups itself (private.reprice_write,
// …20261205070000): after every kind of price change, each message's prices equal the
// pricing rules, and the hourly rollup, every registered zone's local-day rows and the
// session totals equal the same sums computed from the messages from scratch.
const ZONES = ["UTC", "Asia/Kolkata", "America/New_York"] as const
const SESSIONS = ["2e000000-0000-4000-8000-000000000001", "2e000000-0000-4000-8000-000000000002"]

const SETUP_SQL = `
insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from) values
  (null, 'cloud-ref', 2, 8, 0.5, now() - interval '2 years'),
  (null, 'local-llama', 0.1, 0.2, 0, now() - interval '2 years');
insert into public.model_references (model, reference_model) values ('local-llama', 'cloud-ref');
insert into public.device_prices (device_id, user_id, mode, usd_per_kwh, idle_watts, busy_watts) values
  ('${DEVICES.owner}', '${USERS.owner}', 'energy', 0.3, 20, 250);
insert into public.cloud_sessions (id, user_id, device_id, title) values
  ('${SESSIONS[0]}', '${USERS.owner}', '${DEVICES.owner}', 'reprice one'),
  ('${SESSIONS[1]}', '${USERS.owner}', '${DEVICES.ownerSecond}', 'reprice two');
-- 60 days of messages every 7 h 13 min (so both sides of every local midnight), two models,
-- two devices, one in twenty soft-deleted.
insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content, model,
  input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at, deleted_at)
select s.id, '${USERS.owner}', s.device_id, i, 'assistant', 'answer ' || i,
       case when i % 3 = 0 then 'fixture-model' else 'local-llama' end,
       500 + i % 700, 100 + i % 400, i % 90, (15 + i % 40)::real, 100 + i % 500,
       now() - interval '60 days' + i * interval '7 hours 13 minutes',
       case when i % 20 = 0 then now() end
  from generate_series(1, 190) as i
  join public.cloud_sessions s on s.id = case when i % 2 = 0 then '${SESSIONS[0]}'::uuid else '${SESSIONS[1]}'::uuid end;
insert into private.usage_local_zones (user_id, tz) values
  ${ZONES.map((tz) => `('${USERS.owner}', '${tz}')`).join(", ")};
${ZONES.map((tz) => `select private.usage_local_days_build('${USERS.owner}', '${tz}');`).join("\n")}
`

// Every kept figure that differs from the messages, and every message priced off the rules.
const MISMATCHES_SQL = `
with live as (select * from public.cloud_messages where deleted_at is null)
select 'hourly' as what, count(*)::int as n
  from public.usage_hourly u
  full join (
    select m.user_id, date_trunc('hour', m.created_at, 'UTC') as hour, coalesce(m.model, 'unknown') as model,
           m.device_id, m.project_id, sum(m.cost_usd) as cost, sum(m.local_cost_usd) as local,
           sum(m.cloud_equivalent_usd) as cloud, count(*) as n
      from live m group by 1, 2, 3, 4, 5) m
    on m.user_id = u.user_id and m.hour = u.hour and m.model = u.model
   and m.device_id is not distinct from u.device_id and m.project_id is not distinct from u.project_id
 where (u.cost_usd, u.local_cost_usd, u.cloud_equivalent_usd, u.message_count)
       is distinct from (m.cost, m.local, m.cloud, m.n)
union all
select 'local days', count(*)::int
  from public.usage_local_days u
  full join (
    select m.user_id, z.tz, (m.created_at at time zone z.tz)::date as day, coalesce(m.model, 'unknown') as model,
           m.device_id, m.project_id, sum(m.cost_usd) as cost, sum(m.local_cost_usd) as local,
           sum(m.cloud_equivalent_usd) as cloud, count(*) as n
      from live m join private.usage_local_zones z on z.user_id = m.user_id
     group by 1, 2, 3, 4, 5, 6) m
    on m.user_id = u.user_id and m.tz = u.tz and m.day = u.day and m.model = u.model
   and m.device_id is not distinct from u.device_id and m.project_id is not distinct from u.project_id
 where (u.cost_usd, u.local_cost_usd, u.cloud_equivalent_usd, u.message_count)
       is distinct from (m.cost, m.local, m.cloud, m.n)
union all
select 'sessions', count(*)::int
  from public.cloud_sessions s
  left join lateral (select count(*) as n, coalesce(sum(m.cost_usd), 0) as cost from live m where m.session_id = s.id) t on true
 where (s.message_count, s.cost_usd) is distinct from (t.n, t.cost)
union all
select 'message prices', count(*)::int
  from public.cloud_messages m
 where m.cost_usd <> private.message_cost(m.user_id, m.model, m.created_at, m.input_tokens, m.output_tokens, m.cached_tokens)
    or m.local_cost_usd <> private.message_local_cost(m.device_id, m.output_tokens, m.tokens_per_second, m.time_to_first_token_ms)
    or m.cloud_equivalent_usd <> private.message_cloud_equivalent(m.user_id, m.model, m.created_at,
         m.input_tokens, m.output_tokens, m.cached_tokens)
`

describe(`re-pricing moves the rollups by exactly the price difference (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  const mismatches = async () => {
    const { rows } = await database.db.query<{ what: string; n: number }>(MISMATCHES_SQL)

    return Object.fromEntries(rows.map((r) => [r.what, Number(r.n)]))
  }
  const totals = async () => {
    const { rows } = await database.db.query<{
      cost: string
      local: string
      cloud: string
    }>(
      `select sum(cost_usd)::text as cost, sum(local_cost_usd)::text as local,
              sum(cloud_equivalent_usd)::text as cloud
         from public.usage_local_days where tz = 'Asia/Kolkata'`
    )

    return rows[0]!
  }
  const allAgree = { hourly: 0, "local days": 0, sessions: 0, "message prices": 0 }

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(SETUP_SQL)
  }, 120_000)
  afterAll(async () => {
    await database?.dispose()
  })

  it("starts out agreeing, with rows in every zone", async () => {
    expect(await mismatches()).toEqual(allAgree)
    const { rows } = await database.db.query<{ n: number }>(
      "select count(distinct tz)::int as n from public.usage_local_days"
    )
    expect(rows[0]!.n).toBe(ZONES.length)
  })

  it("a re-pricing writes each message's new version on its own page, touching no index (HOT)", async () => {
    // …20261206020000 leaves half of every cloud_messages page free: a re-pricing changes no
    // indexed column, so every new row version fits beside the old one and no index entry is
    // written. Counted inside the transaction, then rolled back. Since …20261207010000 a
    // model's own price writes no message (next test); a reference model's price still
    // rewrites the stored cloud equivalents of the models mapped to it.
    const counts = await database.db
      .transaction(async (tx) => {
        await tx.query(
          "update public.model_prices set output_per_mtok = output_per_mtok * 2 where model = 'cloud-ref'"
        )
        const { rows } = await tx.query<{ updated: string; hot: string }>(
          `select pg_stat_get_xact_tuples_updated('public.cloud_messages'::regclass)::text as updated,
                  pg_stat_get_xact_tuples_hot_updated('public.cloud_messages'::regclass)::text as hot`
        )
        throw Object.assign(new Error("roll back"), { counts: rows[0]! })
      })
      .catch((error: { counts?: { updated: string; hot: string } }) => {
        if (!error.counts) throw error

        return error.counts
      })
    expect(Number(counts.updated)).toBeGreaterThan(100)
    expect(counts.hot).toBe(counts.updated)
    expect(await mismatches()).toEqual(allAgree)
  })

  it("editing a price version's rates writes no message, only the rollups of that version", async () => {
    // Cost by price version (…20261207010000): the rollups move by tokens × the rate
    // difference, read from the version sums; no message row is written.
    const before = await totals()
    // The backend's not yet reported counts can include earlier transactions': the difference
    // across the statement, inside one transaction, is the statement's own.
    const written = await database.db.transaction(async (tx) => {
      const count = async () =>
        (
          await tx.query<{ n: string }>(
            `select (pg_stat_get_xact_tuples_updated('public.cloud_messages'::regclass)
                     + pg_stat_get_xact_tuples_inserted('public.cloud_messages'::regclass)
                     + pg_stat_get_xact_tuples_deleted('public.cloud_messages'::regclass))::text as n`
          )
        ).rows[0]!.n
      const before = Number(await count())
      await tx.query(
        "update public.model_prices set output_per_mtok = output_per_mtok * 2, input_per_mtok = input_per_mtok + 0.000001 where model = 'local-llama'"
      )

      return Number(await count()) - before
    })
    expect(written).toBe(0)
    expect((await totals()).cost).not.toBe(before.cost)
    expect(await mismatches()).toEqual(allAgree)
  })

  // A message written while a price is edited: the edit waits for the write to commit and
  // reads its version sums, so its rollup rows move too. Without the wait the edit moves the
  // rollups by the version sums it can see and the new message keeps the old rate there.
  it.runIf(TEST_ENGINE === "postgres")(
    "a price edit waits for a message write in flight and moves its rollups too",
    async () => {
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      let inserted!: () => void
      const written = new Promise<void>((resolve) => (inserted = resolve))
      const one = database.db.transaction(async (tx) => {
        await tx.query(
          `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, model,
             input_tokens, output_tokens, cached_tokens, created_at)
           values ('${SESSIONS[0]}', '${USERS.owner}', '${DEVICES.owner}', 500, 'assistant', 'local-llama',
             4000, 3000, 100, now() - interval '3 hours 7 minutes')`
        )
        inserted()
        await released
      })
      await written
      const two = database.db.exec(
        "update public.model_prices set output_per_mtok = output_per_mtok + 1 where model = 'local-llama'"
      )
      let waited = false
      for (let i = 0; i < 200 && !waited; i++) {
        const { rows } = await database.db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`
        )
        waited = rows[0]!.n > 0
        if (!waited) await new Promise((resolve) => setTimeout(resolve, 25))
      }
      release()
      await Promise.all([one, two])
      expect(waited).toBe(true)
      expect(await mismatches()).toEqual(allAgree)
    },
    60_000
  )

  it("a model price edited in place re-prices its messages and every rollup", async () => {
    const before = await totals()
    await database.db.exec(
      "update public.model_prices set output_per_mtok = output_per_mtok * 3 where model = 'fixture-model'"
    )
    const after = await totals()
    expect(after.cost).not.toBe(before.cost)
    expect(await mismatches()).toEqual(allAgree)
  })

  it("a price version added mid-range, then removed, re-prices only from its date", async () => {
    await database.db
      .exec(`insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, effective_from)
      values ('${USERS.owner}', 'fixture-model', 7, 9, now() - interval '20 days 5 hours 17 minutes')`)
    expect(await mismatches()).toEqual(allAgree)
    const { rows } = await database.db.query<{ early: string }>(
      `select count(*) filter (where created_at < now() - interval '20 days 5 hours 17 minutes'
                                 and cloud_messages.cost_usd = private.message_cost(user_id, model, created_at, input_tokens, output_tokens, cached_tokens))::text as early
         from public.cloud_messages where model = 'fixture-model'`
    )
    expect(Number(rows[0]!.early)).toBeGreaterThan(0)
    await database.db.exec(
      `delete from public.model_prices where user_id = '${USERS.owner}' and model = 'fixture-model'`
    )
    expect(await mismatches()).toEqual(allAgree)
  })

  it("a reference price and a mapping re-price the cloud equivalents", async () => {
    const before = await totals()
    await database.db.exec(
      "update public.model_prices set input_per_mtok = 5 where model = 'cloud-ref'"
    )
    expect((await totals()).cloud).not.toBe(before.cloud)
    expect(await mismatches()).toEqual(allAgree)
    await database.db
      .exec(`insert into public.model_prices (model, input_per_mtok, output_per_mtok, effective_from)
      values ('cloud-ref-2', 1, 1, now() - interval '3 years')`)
    await database.db.exec(
      `insert into public.model_references (user_id, model, reference_model) values ('${USERS.owner}', 'local-llama', 'cloud-ref-2')`
    )
    expect(await mismatches()).toEqual(allAgree)
  })

  it("a device's hardware price re-prices its local costs", async () => {
    const before = await totals()
    await database.db.exec(
      `update public.device_prices set mode = 'hourly', usd_per_hour = 1.25 where device_id = '${DEVICES.owner}'`
    )
    expect((await totals()).local).not.toBe(before.local)
    expect(await mismatches()).toEqual(allAgree)
  })

  it("an API caller cannot switch the rollup triggers off with the re-pricing flag", async () => {
    await database.db.transaction(async (tx) => {
      await actAs(tx, userActor("owner"))
      await tx.query("select set_config('lmx.rollups_applied', 'on', true)")
      await tx.query("select set_config('lmx.trusted_message_write', 'on', true)")
      const { rows } = await tx.query<{ id: string }>(
        `update public.cloud_messages set deleted_at = now(), output_tokens = output_tokens + 1000
          where session_id = '${SESSIONS[0]}' and deleted_at is null and message_index < 40 returning id`
      )
      expect(rows.length).toBeGreaterThan(0)
    })
    expect(await mismatches()).toEqual(allAgree)
    // The fixture's own session still agrees too (untouched by all of the above).
    const { rows } = await database.db.query<{ n: number }>(
      `select message_count::int as n from public.cloud_sessions where id = '${ROWS.session}'`
    )
    expect(rows[0]!.n).toBe(1)
  })
})
