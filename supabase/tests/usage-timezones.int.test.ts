import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { csvRow, type ReportRow } from "@/lib/usage/csv"
import { toCents } from "@/lib/usage/money"

import { DEVICES, FIXTURES_SQL, MISMATCHES_SQL, ROWS, userActor, USERS } from "./core-fixtures"
import { actAs } from "./rls-harness"

// Costs are exact decimals with more than 8 places since cost by price version
// (…20261207010000): a sum of per-row costs each rounded to 1e-8 is not the total rounded,
// so the CSV's cells are summed exactly, as integers of 1e-24 dollars.
const EXACT_PLACES = 24
function exact(usd: string): bigint {
  const negative = usd.startsWith("-")
  const [whole, fraction = ""] = usd.replace(/^-/, "").split(".")
  if (fraction.replace(/0+$/, "").length > EXACT_PLACES) throw new Error(`too many places: ${usd}`)
  const value = BigInt(whole! + fraction.padEnd(EXACT_PLACES, "0").slice(0, EXACT_PLACES))

  return negative ? -value : value
}

// Property: for any timezone (whole-hour, half-hour and 45-minute offsets, DST at odd
// hours), any range and any price changes part-way through it, usage_report's rows (what
// the page sums and the CSV writes) equal the raw messages grouped by local day, and every
// stored per-message price (cost, local cost, cloud equivalent) equals its from-scratch value.
const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "America/St_Johns",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Kiritimati",
  "America/Santiago",
] as const
const SESSIONS = Array.from({ length: 4 }, (_, i) => `2d000000-0000-4000-8000-00000000000${i}`)
const MODELS = ["fixture-model", "owner-model", "local-llama", null] as const
const OWNER_DEVICES = [DEVICES.owner, DEVICES.ownerSecond, null] as const
// 2026-03-01 .. 2026-04-30: spans the March DST changes of both hemispheres.
const BASE = "2026-03-01T00:00:00Z"
const SPAN_MINUTES = 61 * 24 * 60

const sqlText = (value: string | null) => (value === null ? "null" : `'${value}'`)

const message = fc.record({
  session: fc.nat(SESSIONS.length - 1),
  minute: fc.nat(SPAN_MINUTES),
  second: fc.nat(59),
  model: fc.nat(MODELS.length - 1),
  device: fc.nat(OWNER_DEVICES.length - 1),
  input: fc.nat(4000),
  output: fc.nat(2000),
  speed: fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }),
  ttft: fc.option(fc.nat(3000), { nil: null }),
  deleted: fc.boolean(),
})
const priceChange = fc.record({
  model: fc.constantFrom("fixture-model", "owner-model", "cloud-reference"),
  own: fc.boolean(),
  minute: fc.nat(SPAN_MINUTES),
  rate: fc.integer({ min: 0, max: 900 }),
})
const deviceChange = fc.record({
  device: fc.nat(1),
  hourly: fc.boolean(),
  rate: fc.integer({ min: 1, max: 500 }),
  watts: fc.integer({ min: 10, max: 900 }),
})
const scenario = fc.record({
  messages: fc.array(message, { minLength: 20, maxLength: 160 }),
  // Applied after the messages land, so they re-price what is already rolled up.
  prices: fc.array(priceChange, { maxLength: 6 }),
  devices: fc.array(deviceChange, { maxLength: 3 }),
  mapped: fc.boolean(),
  zone: fc.constantFrom(...ZONES),
  from: fc.nat(50),
  length: fc.integer({ min: 1, max: 45 }),
  project: fc.boolean(),
  // The zone's local-day rows exist before the messages land (moved by the message triggers),
  // or are built by the first read (from usage_hourly and the split hours' messages).
  warm: fc.boolean(),
  // After the prices: some messages deleted, some soft-deleted, some edited.
  churn: fc.boolean(),
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

// Run first by every property below, so each compares real rows whatever the random runs
// draw: every model on every device, timed, across 45 days, in zones whose midnights split
// an hour. (Random ranges can be one empty day; fifteen of those once compared ten groups.)
const DENSE: Scenario = {
  messages: Array.from({ length: 160 }, (_, i) => ({
    session: Math.floor(i / 12) % SESSIONS.length,
    minute: Math.floor((i * 45 * 24 * 60) / 160) + (i % 7) * 13,
    second: (i * 17) % 60,
    model: i % MODELS.length,
    device: Math.floor(i / MODELS.length) % OWNER_DEVICES.length,
    input: 100 + i * 23,
    output: 50 + i * 11,
    speed: 5 + (i % 40) * 4,
    ttft: i % 3 === 0 ? null : 40 + i,
    deleted: i % 29 === 0,
  })),
  prices: [{ model: "fixture-model", own: true, minute: 20 * 24 * 60 + 7, rate: 310 }],
  devices: [{ device: 0, hourly: false, rate: 30, watts: 350 }],
  mapped: true,
  zone: "Asia/Kathmandu",
  from: 0,
  length: 45,
  project: false,
  warm: false,
  churn: false,
}
const DENSE_EXAMPLES: [Scenario][] = [
  [DENSE],
  [{ ...DENSE, zone: "America/St_Johns", project: true, warm: true }],
  [{ ...DENSE, zone: "Australia/Lord_Howe", churn: true }],
  [{ ...DENSE, zone: "Pacific/Chatham", from: 10, length: 30 }],
  [{ ...DENSE, zone: "Asia/Kolkata", warm: true, churn: true }],
  [{ ...DENSE, zone: "America/Santiago" }],
]

const at = (minute: number, second = 0) =>
  `'${BASE}'::timestamptz + interval '${minute} minutes ${second} seconds'`

function scenarioSql(s: Scenario): string[] {
  const statements = [
    `truncate public.message_attachments, public.cloud_messages, public.usage_hourly, public.usage_local_days, private.usage_local_zones`,
    `delete from public.cloud_sessions`,
    `delete from public.device_prices`,
    `delete from public.model_references`,
    `delete from public.model_prices where id not in ('${ROWS.globalPrice}', '${ROWS.ownerPrice}')`,
    `insert into public.cloud_sessions (id, user_id, title, project_id) values ${SESSIONS.map(
      (id, n) =>
        `('${id}', '${USERS.owner}', 'tz ${n}', ${n % 2 === 0 ? `'${ROWS.project}'` : "null"})`
    ).join(", ")}`,
  ]
  if (s.warm) {
    // As private.usage_local_days_ensure registers a zone (nothing to build yet), plus a
    // second zone whose rows the triggers must keep as well.
    statements.push(
      `insert into private.usage_local_zones (user_id, tz) values ('${USERS.owner}', '${s.zone}'), ('${USERS.owner}', 'Pacific/Chatham') on conflict do nothing`
    )
  }
  if (s.mapped) {
    statements.push(
      `insert into public.model_references (user_id, model, reference_model) values (null, 'local-llama', 'cloud-reference')`
    )
  }
  statements.push(`insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, model,
      input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at, deleted_at) values
    ${s.messages
      .map(
        (m, i) =>
          `('${SESSIONS[m.session]}', '${USERS.owner}', ${sqlText(OWNER_DEVICES[m.device] ?? null)}, ${i}, 'assistant',
            ${sqlText(MODELS[m.model] ?? null)}, ${m.input}, ${m.output}, ${Math.floor(m.input / 3)},
            ${m.speed ?? "null"}, ${m.ttft ?? "null"}, ${at(m.minute, m.second)}, ${m.deleted ? at(m.minute + 1) : "null"})`
      )
      .join(",\n")}`)
  for (const [step, p] of s.prices.entries()) {
    const rate = (p.rate / 100).toFixed(2)
    statements.push(`insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
      values (${p.own ? `'${USERS.owner}'` : "null"}, '${p.model}', ${rate}, ${rate} * 3, ${rate} / 10,
              ${at(p.minute, step)})`)
  }
  for (const d of s.devices) {
    const device = d.device === 0 ? DEVICES.owner : DEVICES.ownerSecond
    statements.push(`insert into public.device_prices (device_id, user_id, mode, usd_per_hour, usd_per_kwh, idle_watts, busy_watts)
      values ('${device}', '${USERS.owner}', '${d.hourly ? "hourly" : "energy"}', ${d.rate / 100}, ${d.rate / 1000}, 20, ${d.watts})
      on conflict (device_id) do update set mode = excluded.mode, usd_per_hour = excluded.usd_per_hour,
        usd_per_kwh = excluded.usd_per_kwh, busy_watts = excluded.busy_watts`)
  }
  if (s.churn) {
    statements.push(
      `delete from public.cloud_messages where message_index % 7 = 3`,
      `update public.cloud_messages set deleted_at = created_at + interval '1 minute' where message_index % 5 = 1 and deleted_at is null`,
      `update public.cloud_messages set output_tokens = output_tokens + 7, input_tokens = input_tokens + 3 where message_index % 4 = 2`
    )
  }

  return statements
}

const REPORT_COLUMNS =
  "day::text, model, device_id::text, project_id::text, message_count::text, input_tokens::text, output_tokens::text, cached_tokens::text, cost_usd::numeric(20,8)::text as cost, local_cost_usd::numeric(20,8)::text as local, cloud_equivalent_usd::numeric(20,8)::text as cloud, timed_output_tokens::text, generation_seconds::numeric(24,6)::text as gen"

// The same rows straight from the messages: local day by the message's own timestamp.
function rawSql(zone: string, from: string, to: string, project: boolean) {
  return `select ${REPORT_COLUMNS} from (
    select (m.created_at at time zone '${zone}')::date as day, coalesce(m.model, 'unknown') as model,
           m.device_id, m.project_id, count(*) as message_count, sum(m.input_tokens) as input_tokens,
           sum(m.output_tokens) as output_tokens, sum(m.cached_tokens) as cached_tokens, sum(m.cost_usd) as cost_usd,
           sum(m.local_cost_usd) as local_cost_usd, sum(m.cloud_equivalent_usd) as cloud_equivalent_usd,
           coalesce(sum(m.output_tokens) filter (where m.tokens_per_second > 0), 0) as timed_output_tokens,
           sum(case when m.tokens_per_second > 0 then round(m.output_tokens / m.tokens_per_second::numeric, 6) else 0 end)
             as generation_seconds
      from public.cloud_messages m
     where m.deleted_at is null and ${project ? `m.project_id = '${ROWS.project}'` : `m.user_id = '${USERS.owner}'`}
       and (m.created_at at time zone '${zone}')::date between '${from}' and '${to}'
     group by 1, 2, 3, 4) r
   order by day, model, device_id nulls first, project_id nulls first`
}

// Per-message prices recomputed from scratch: the local cost formula written out again here
// (not by calling the function under test) and the cloud equivalent through the mapping.
const PRICE_MISMATCHES_SQL = `
select 'local cost' as what, m.id::text as key
  from public.cloud_messages m
  left join public.device_prices p on p.device_id = m.device_id
 where m.local_cost_usd <> coalesce(case when p.device_id is null or not (m.tokens_per_second > 0) then 0
         when p.mode = 'hourly' then (m.output_tokens / m.tokens_per_second::numeric + coalesce(m.time_to_first_token_ms, 0) / 1000.0) / 3600 * p.usd_per_hour
         else (m.output_tokens / m.tokens_per_second::numeric + coalesce(m.time_to_first_token_ms, 0) / 1000.0) / 3600 * p.busy_watts / 1000 * p.usd_per_kwh
       end, 0)::numeric(16, 8)
union all
select 'cloud equivalent', m.id::text
  from public.cloud_messages m
 where m.cloud_equivalent_usd <> coalesce((
         select private.message_cost(m.user_id, r.reference_model, m.created_at, m.input_tokens, m.output_tokens, m.cached_tokens)
           from public.model_references r where r.model = m.model and (r.user_id = m.user_id or r.user_id is null)
          order by r.user_id is null limit 1), 0)
`

// Every local-day rollup row against the messages, for every zone registered for a user:
// rows of zones nobody registered, or missing or wrong rows, are mismatches.
const LOCAL_DAYS_MISMATCHES_SQL = `
with scratch as (
  select m.user_id, z.tz, (m.created_at at time zone z.tz)::date as day, coalesce(m.model, 'unknown') as model,
         m.device_id, m.project_id, count(*) as message_count, sum(m.input_tokens) as input_tokens,
         sum(m.output_tokens) as output_tokens, sum(m.cached_tokens) as cached_tokens, sum(m.cost_usd) as cost_usd,
         sum(m.local_cost_usd) as local_cost_usd, sum(m.cloud_equivalent_usd) as cloud_equivalent_usd,
         coalesce(sum(m.output_tokens) filter (where m.tokens_per_second > 0), 0) as timed_output_tokens,
         sum(case when m.tokens_per_second > 0 then round(m.output_tokens / m.tokens_per_second::numeric, 6) else 0 end)
           as generation_seconds
    from public.cloud_messages m
    join private.usage_local_zones z on z.user_id = m.user_id
   where m.deleted_at is null
   group by 1, 2, 3, 4, 5, 6
)
select 'local days' as what, coalesce(s.tz, u.tz) || ' ' || coalesce(s.day, u.day)::text as key
  from scratch s
  full join public.usage_local_days u
    on u.user_id = s.user_id and u.tz = s.tz and u.day = s.day and u.model = s.model
   and u.device_id is not distinct from s.device_id and u.project_id is not distinct from s.project_id
 where (s.message_count, s.input_tokens, s.output_tokens, s.cached_tokens, s.cost_usd, s.local_cost_usd,
        s.cloud_equivalent_usd, s.timed_output_tokens, s.generation_seconds)
       is distinct from (u.message_count, u.input_tokens, u.output_tokens, u.cached_tokens, u.cost_usd,
        u.local_cost_usd, u.cloud_equivalent_usd, u.timed_output_tokens, u.generation_seconds)
`

// Every month row usage_speeds reads against the messages: each UTC hour with timed tokens
// once, at its exact rate (float8 of the hour's timed tokens ÷ float8 of its seconds), and no
// other element (a placeholder or a stale hour) left behind.
const SPEED_MONTHS_MISMATCHES_SQL = `
with hours as (
  select m.user_id, date_trunc('hour', m.created_at, 'UTC') as hour, coalesce(m.model, 'unknown') as model,
         coalesce(m.device_id, '00000000-0000-0000-0000-000000000000') as device_id,
         coalesce(m.project_id, '00000000-0000-0000-0000-000000000000') as project_id,
         sum(m.output_tokens) filter (where m.tokens_per_second > 0) as timed,
         sum(case when m.tokens_per_second > 0 then round(m.output_tokens / m.tokens_per_second::numeric, 6) else 0 end)
           as seconds
    from public.cloud_messages m
   where m.deleted_at is null
   group by 1, 2, 3, 4, 5
),
scratch as (
  select h.user_id, date_trunc('month', h.hour, 'UTC') as month, h.model, h.device_id, h.project_id,
         (extract(epoch from h.hour - date_trunc('month', h.hour, 'UTC')) / 3600)::int as h,
         h.timed::float8 / h.seconds::float8 as rate
    from hours h where h.seconds > 0
),
stored as (
  select s.user_id, s.month, s.model, coalesce(s.device_id, '00000000-0000-0000-0000-000000000000') as device_id,
         coalesce(s.project_id, '00000000-0000-0000-0000-000000000000') as project_id, e.h::int as h, e.rate
    from public.usage_speed_months s cross join lateral unnest(s.hours, s.rates) as e(h, rate)
)
select coalesce(a.model, b.model) || ' ' || coalesce(a.month, b.month)::text || ' +' || coalesce(a.h, b.h) || 'h' as key,
       a.rate as expected, b.rate as stored
  from scratch a
  full join stored b
    on b.user_id = a.user_id and b.month = a.month and b.model = a.model and b.device_id = a.device_id
   and b.project_id = a.project_id and b.h = a.h
 where a.rate is distinct from b.rate
`

type Speed = {
  model: string
  device_id: string | null
  hours: number
  p10: number
  p50: number
  p90: number
}

const day = (offset: number) =>
  new Date(Date.parse("2026-03-01T00:00:00Z") + offset * 86_400_000).toISOString().slice(0, 10)

describe(`usage reports reconcile with the messages in any timezone (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db
      .exec(`insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
      values (null, 'cloud-reference', 2.5, 10, 1.25, '2025-01-01')`)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("for random messages, price changes part-way, timezones and ranges, report = raw messages", async () => {
    let compared = 0
    let splitZoneRows = 0
    const details = await fc.check(
      fc.asyncProperty(scenario, async (s) => {
        const from = day(s.from)
        const to = day(Math.min(s.from + s.length, 61))
        const { report, raw, mismatches } = await database.db.transaction(async (tx) => {
          for (const sql of scenarioSql(s)) await tx.query(sql)
          const mismatches = [
            ...(await tx.query(MISMATCHES_SQL)).rows,
            ...(await tx.query(PRICE_MISMATCHES_SQL)).rows,
          ]
          const raw = (await tx.query(rawSql(s.zone, from, to, s.project))).rows
          await actAs(tx, userActor("owner"))
          const report = (
            await tx.query(`select ${REPORT_COLUMNS} from public.usage_report($1, $2, $3, $4)`, [
              from,
              to,
              s.zone,
              s.project ? ROWS.project : null,
            ])
          ).rows
          await tx.exec("reset role")
          mismatches.push(...(await tx.query(LOCAL_DAYS_MISMATCHES_SQL)).rows)

          return { report, raw, mismatches }
        })
        expect(mismatches.slice(0, 5)).toEqual([])
        expect(report).toEqual(raw)
        compared += raw.length
        if (
          [
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "America/St_Johns",
            "Pacific/Chatham",
            "Australia/Lord_Howe",
          ].includes(s.zone)
        ) {
          splitZoneRows += raw.length
        }
      }),
      { numRuns: 60 + DENSE_EXAMPLES.length, examples: DENSE_EXAMPLES, endOnFailure: true }
    )
    if (details.failed) {
      throw new Error(
        `report diverged (replay with seed ${details.seed}, path "${details.counterexamplePath}"): ${String(details.errorInstance)}`
      )
    }
    // The runs must have compared real rows, including zones whose midnights split an hour.
    expect(compared).toBeGreaterThan(100)
    expect(splitZoneRows).toBeGreaterThan(0)
  }, 240_000)

  it("the page's figures, the CSV's rows and the raw messages agree to the cent", async () => {
    let checked = 0
    const details = await fc.check(
      fc.asyncProperty(scenario, async (s) => {
        const from = day(s.from)
        const to = day(Math.min(s.from + s.length, 61))
        const project = s.project ? ROWS.project : null
        const { dashboard, total, days, raw } = await database.db.transaction(async (tx) => {
          for (const sql of scenarioSql(s)) await tx.query(sql)
          const raw = (
            await tx.query<{ model: string; cost: string; messages: string }>(
              `select coalesce(m.model, 'unknown') as model, sum(m.cost_usd)::text as cost, count(*)::text as messages
                 from public.cloud_messages m
                where m.deleted_at is null and ${project ? `m.project_id = '${project}'` : `m.user_id = '${USERS.owner}'`}
                  and (m.created_at at time zone '${s.zone}')::date between '${from}' and '${to}'
                group by 1 order by 1`
            )
          ).rows
          await actAs(tx, userActor("owner"))
          // The total's cost also as the JSON's own decimal text (a JS number is not exact).
          const { j: dashboard, total } = (
            await tx.query<{
              j: { totals: { cost: number; messages: number }; groups: unknown[][] }
              total: string
            }>(
              `select x.j, x.j -> 'totals' ->> 'cost' as total
                 from (select public.usage_dashboard($1, $2, $3, $4) as j) x`,
              [from, to, s.zone, project]
            )
          ).rows[0]!
          const days = (
            await tx.query<{ day: string; rows: unknown[][] }>(
              `select day::text, rows from public.usage_report_days($1, $2, $3, $4)`,
              [from, to, s.zone, project]
            )
          ).rows
          await tx.exec("reset role")

          return { dashboard, total, days, raw }
        })
        // The CSV: the export's own line writer over usage_report_days, read back.
        const names = { devices: new Map<string, string>(), projects: new Map<string, string>() }
        const csvByModel = new Map<string, { exact: bigint; messages: number }>()
        for (const { day: date, rows } of days) {
          for (const [
            model,
            device,
            proj,
            messages,
            input,
            output,
            cached,
            cost,
            local,
            cloud,
          ] of rows as [
            string,
            string | null,
            string | null,
            number,
            number,
            number,
            number,
            string,
            string,
            string,
          ][]) {
            const row: ReportRow = {
              day: date,
              model,
              device_id: device,
              project_id: proj,
              message_count: messages,
              input_tokens: input,
              output_tokens: output,
              cached_tokens: cached,
              cost_usd: cost,
              local_cost_usd: local,
              cloud_equivalent_usd: cloud,
            }
            const cells = csvRow(row, names).trim().split(",")
            const entry = csvByModel.get(cells[1]!) ?? { exact: 0n, messages: 0 }
            entry.exact += exact(cells[10]!)
            entry.messages += Number(cells[6])
            csvByModel.set(cells[1]!, entry)
          }
        }
        const pageByModel = new Map(
          dashboard.groups
            .filter((g) => g[0] === "model")
            .map((g) => [String(g[1]), { cost: Number(g[8]), messages: Number(g[4]) }])
        )
        expect([...csvByModel.keys()].sort()).toEqual(raw.map((r) => r.model))
        expect([...pageByModel.keys()].sort()).toEqual(raw.map((r) => r.model))
        for (const r of raw) {
          const csv = csvByModel.get(r.model)!
          const page = pageByModel.get(r.model)!
          // Exact, so certainly to the cent.
          expect(csv.exact).toBe(exact(r.cost))
          expect(toCents(page.cost)).toBe(toCents(r.cost))
          expect(csv.messages).toBe(Number(r.messages))
          expect(page.messages).toBe(Number(r.messages))
          checked++
        }
        const rawTotal = raw.reduce((sum, r) => sum + exact(r.cost), 0n)
        expect(exact(total)).toBe(rawTotal)
      }),
      { numRuns: 25 + DENSE_EXAMPLES.length, examples: DENSE_EXAMPLES, endOnFailure: true }
    )
    if (details.failed) {
      throw new Error(
        `page, CSV and messages diverged (replay with seed ${details.seed}, path "${details.counterexamplePath}"): ${String(details.errorInstance)}`
      )
    }
    expect(checked).toBeGreaterThan(20)
  }, 240_000)

  it("the speed percentiles equal each hour's tokens per second from the raw messages, and so does every month row they are read from", async () => {
    let compared = 0
    const details = await fc.check(
      fc.asyncProperty(scenario, async (s) => {
        const from = day(s.from)
        const to = day(Math.min(s.from + s.length, 61))
        const project = s.project ? ROWS.project : null
        const { speeds, raw, mismatches } = await database.db.transaction(async (tx) => {
          for (const sql of scenarioSql(s)) await tx.query(sql)
          const mismatches = (await tx.query(SPEED_MONTHS_MISMATCHES_SQL)).rows
          // Each UTC hour's rate per model, device and project (one rollup row), divided as
          // numeric: the percentiles of those per model and device.
          const raw = (
            await tx.query<Speed>(
              `select h.model, h.device_id::text, count(*)::int as hours,
                      percentile_cont(0.1) within group (order by (h.timed / h.seconds)::float8) as p10,
                      percentile_cont(0.5) within group (order by (h.timed / h.seconds)::float8) as p50,
                      percentile_cont(0.9) within group (order by (h.timed / h.seconds)::float8) as p90
                 from (
                   select coalesce(m.model, 'unknown') as model, m.device_id,
                          sum(m.output_tokens) filter (where m.tokens_per_second > 0) as timed,
                          sum(case when m.tokens_per_second > 0
                                   then round(m.output_tokens / m.tokens_per_second::numeric, 6) else 0 end) as seconds
                     from public.cloud_messages m
                    where m.deleted_at is null
                      and ${project ? `m.project_id = '${project}'` : `m.user_id = '${USERS.owner}'`}
                      and m.created_at >= '${from}'::timestamp at time zone '${s.zone}'
                      and m.created_at < ('${to}'::date + 1)::timestamp at time zone '${s.zone}'
                    group by 1, 2, m.project_id, date_trunc('hour', m.created_at, 'UTC')) h
                where h.seconds > 0
                group by 1, 2
                order by 1, 2`
            )
          ).rows
          await actAs(tx, userActor("owner"))
          const speeds = (
            await tx.query<Speed>(
              `select model, device_id::text, hours::int, p10, p50, p90
                 from public.usage_speeds($1, $2, $3, $4)`,
              [from, to, s.zone, project]
            )
          ).rows
          await tx.exec("reset role")

          return { speeds, raw, mismatches }
        })
        expect(mismatches.slice(0, 5)).toEqual([])
        expect(speeds.map(({ model, device_id, hours }) => [model, device_id, hours])).toEqual(
          raw.map(({ model, device_id, hours }) => [model, device_id, hours])
        )
        for (const [i, r] of raw.entries()) {
          for (const key of ["p10", "p50", "p90"] as const) {
            // Double precision throughout: equal to the last place or one unit in it.
            expect(Math.abs(speeds[i]![key] - r[key])).toBeLessThanOrEqual(Math.abs(r[key]) * 1e-12)
          }
          compared++
        }
      }),
      { numRuns: 15 + DENSE_EXAMPLES.length, examples: DENSE_EXAMPLES, endOnFailure: true }
    )
    if (details.failed) {
      throw new Error(
        `speeds diverged (replay with seed ${details.seed}, path "${details.counterexamplePath}"): ${String(details.errorInstance)}`
      )
    }
    expect(compared).toBeGreaterThan(10)
  }, 240_000)

  // The random messages above rarely land in the half hour a midnight cuts off, so the
  // range's cut hours (private.usage_range_cuts) get messages on both sides of each bound,
  // in the same UTC hour: reading those hours whole, or not at all, changes the answer.
  it.each(["Asia/Kolkata", "America/St_Johns"])(
    "usage_speeds reads only the part inside the range of each hour cut by a midnight in %s",
    async (zone) => {
      const bound = (date: string, minutes: number) =>
        `('${date}'::timestamp at time zone '${zone}') + interval '${minutes} minutes'`
      // [when, tokens per second]: inside the range 10, 20 and 30; just outside 1000 and 2000.
      const messages = [
        [bound("2026-03-02", -20), 1000],
        [bound("2026-03-02", 10), 10],
        [bound("2026-03-02", 90), 20],
        [bound("2026-03-04", -10), 30],
        [bound("2026-03-04", 20), 2000],
      ] as const
      const speeds = await database.db.transaction(async (tx) => {
        const setup = scenarioSql({
          messages: [],
          prices: [],
          devices: [],
          mapped: false,
          zone,
          from: 0,
          length: 1,
          project: false,
          warm: false,
          churn: false,
        } as unknown as Scenario).filter((sql) => !sql.includes("cloud_messages (session_id"))
        for (const sql of setup) await tx.query(sql)
        await tx.query(`insert into public.cloud_messages (session_id, user_id, device_id, message_index, role,
            model, output_tokens, tokens_per_second, created_at) values
          ${messages
            .map(
              ([at, speed], i) =>
                `('${SESSIONS[1]}', '${USERS.owner}', '${DEVICES.owner}', ${i}, 'assistant', 'local-llama', 100, ${speed}, ${at})`
            )
            .join(",\n")}`)
        await actAs(tx, userActor("owner"))
        const { rows } = await tx.query<Speed>(
          `select model, device_id::text, hours::int, p10, p50, p90
             from public.usage_speeds('2026-03-02', '2026-03-03', $1)`,
          [zone]
        )
        await tx.exec("reset role")

        return rows
      })
      expect(speeds.map(({ model, device_id, hours }) => [model, device_id, hours])).toEqual([
        ["local-llama", DEVICES.owner, 3],
      ])
      // Rates 10, 20 and 30 (100 tokens ÷ seconds rounded to the microsecond).
      expect(speeds[0]!.p10).toBeCloseTo(12, 4)
      expect(speeds[0]!.p50).toBeCloseTo(20, 4)
      expect(speeds[0]!.p90).toBeCloseTo(28, 4)
    }
  )

  // Two transactions adding different hours of one month: the second waits for the first's
  // month row and merges into what it committed. Merging from its own older snapshot would
  // write the month back without the first one's hour.
  it.runIf(TEST_ENGINE === "postgres")(
    "two transactions adding hours to the same month both keep their hour",
    async () => {
      // Sessions 0 and 2 are both in the project: one rollup key, one month row.
      const [first, , second] = SESSIONS
      const insert = (session: string, index: number, hour: number) =>
        `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, model,
           output_tokens, tokens_per_second, created_at)
         values ('${session}', '${USERS.owner}', '${DEVICES.owner}', ${index}, 'assistant', 'local-llama',
           ${100 + hour}, ${10 + hour}, '2026-03-02T00:00:00Z'::timestamptz + interval '${hour} hours')`
      for (const sql of scenarioSql({
        messages: [],
        prices: [],
        devices: [],
        mapped: false,
        zone: "UTC",
        from: 0,
        length: 1,
        project: false,
        warm: false,
        churn: false,
      } as unknown as Scenario).filter((sql) => !sql.includes("cloud_messages (session_id"))) {
        await database.db.exec(sql)
      }
      await database.db.exec(insert(first!, 0, 0))

      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      let inserted!: () => void
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve))
      const one = database.db.transaction(async (tx) => {
        await tx.query(insert(first!, 1, 1))
        inserted()
        await released
      })
      await firstInserted
      const two = database.db.transaction((tx) => tx.query(insert(second!, 2, 5)))
      // The first commits only once the second is waiting for a lock.
      for (let i = 0; i < 200; i++) {
        const { rows } = await database.db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`
        )
        if (rows[0]!.n > 0) break
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      release()
      await Promise.all([one, two])

      const { rows } = await database.db.query<{ hours: number[] }>(
        `select hours from public.usage_speed_months where model = 'local-llama'`
      )
      expect(rows).toEqual([{ hours: [24, 25, 29] }])
      expect((await database.db.query(SPEED_MONTHS_MISMATCHES_SQL)).rows).toEqual([])
    },
    60_000
  )

  it("refuses an unknown timezone and an inverted range with a clear error", async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await actAs(tx, userActor("owner"))
        await tx.query(
          `select * from public.usage_report('2026-03-01', '2026-03-02', 'Mars/Olympus')`
        )
      })
    ).rejects.toThrow(/unknown timezone/)
    await expect(
      database.db.transaction(async (tx) => {
        await actAs(tx, userActor("owner"))
        await tx.query(`select * from public.usage_report('2026-03-05', '2026-03-02', 'UTC')`)
      })
    ).rejects.toThrow(/must end on or after/)
  })
})
