// Usage dashboards at 1,000,000 messages on Postgres, in a throwaway database (10 devices,
// 30 models, 5 projects, 12 months; 5 devices priced, 10 models mapped to a cloud reference):
//   1. the /usage page's database calls (usage_dashboard + usage_speeds) for 30 days and
//      12 months, in UTC and in non-UTC zones (a whole-hour one and a half-hour one whose
//      midnights split hours), target p95 < 100 ms;
//   2. the CSV export of 12 months (usage_report_days a month at a time, each row written as
//      a CSV line), target >= 50,000 rows/s with flat memory;
//   3. re-pricing all 1,000,000 messages after a price change, target < 10 s.
// Each beside a same-run yardstick. Usage: DATABASE_URL=… npm run bench:usage
import { randomBytes } from "node:crypto"
import path from "node:path"
import { pathToFileURL } from "node:url"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import pg from "pg"

import { csvRow, EXPORT_CHUNK_DAYS, type ReportRow } from "../../lib/usage/csv"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const USER_ID = "3a000000-0000-4000-8000-0000000000a1"
const TARGET_MESSAGES = Number(process.env.BENCH_USAGE_MESSAGES ?? 1_000_000)
const MESSAGES_PER_SESSION = 50
const CHUNK = 100_000
const LOAD_TIME_LIMIT_MS = 600_000
const RUNS = Number(process.env.BENCH_USAGE_RUNS ?? 30)
const USER_CLAIMS = JSON.stringify({ sub: USER_ID, role: "authenticated", aud: "authenticated" })

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function asUser<T>(
  client: pg.Client,
  fn: () => Promise<T>,
  end: "rollback" | "commit" = "rollback"
): Promise<T> {
  await client.query("begin")
  await client.query("select set_config('request.jwt.claims', $1, true)", [USER_CLAIMS])
  await client.query("set local role authenticated")
  let ok = false
  try {
    const result = await fn()
    ok = true

    return result
  } finally {
    await client.query(ok ? end : "rollback")
  }
}

async function prepare(url: string) {
  const db = await openDatabase({ engine: "postgres", url, poolSize: 2 })
  try {
    await prepareDatabase(db, {
      migrationsDir: path.join(root, "supabase/migrations"),
      seedFiles: [],
    })
    await db.exec(`
      insert into auth.users (id, email, aud, role) values ('${USER_ID}', 'bench@usage.test', 'authenticated', 'authenticated');
      insert into public.devices (id, user_id, name, role)
      select ('3d000000-0000-4000-8000-0000000000' || lpad(i::text, 2, '0'))::uuid, '${USER_ID}', 'bench device ' || i,
             (case when i <= 5 then 'llm_host' else 'workstation' end)::public.device_role
        from generate_series(1, 10) as i;
      insert into ops.projects (id, name, created_by)
      select ('3b000000-0000-4000-8000-0000000000' || lpad(i::text, 2, '0'))::uuid, 'Bench project ' || i, '${USER_ID}'
        from generate_series(1, 5) as i;
      insert into ops.project_memberships (project_id, user_id, role)
      select p.id, '${USER_ID}', 'owner' from ops.projects p
       where not exists (select 1 from ops.project_memberships m where m.project_id = p.id);
      insert into public.model_prices (model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
      select 'bench-model-' || i, 0.1 * i, 0.4 * i, 0.02 * i, now() - interval '2 years' from generate_series(1, 30) as i;
      insert into public.model_prices (model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
      values ('bench-cloud', 2, 8, 0.5, now() - interval '2 years');
      insert into public.model_references (model, reference_model)
      select 'bench-model-' || i, 'bench-cloud' from generate_series(1, 10) as i;
      insert into public.device_prices (device_id, user_id, mode, usd_per_hour, usd_per_kwh, idle_watts, busy_watts)
      select d.id, '${USER_ID}', 'energy', null, 0.3, 20, 250 from public.devices d where d.role = 'llm_host';
    `)
  } finally {
    await db.close()
  }
}

/** A kept database: the migrations added since it was loaded. */
async function prepareExisting(url: string) {
  const db = await openDatabase({ engine: "postgres", url, poolSize: 2 })
  try {
    await prepareDatabase(db, {
      migrationsDir: path.join(root, "supabase/migrations"),
      seedFiles: [],
    })
  } finally {
    await db.close()
  }
}

async function load(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const sessions = Math.ceil(TARGET_MESSAGES / MESSAGES_PER_SESSION)
    // Each session runs on one device, model and project, started at a random time in the
    // last 365 days; its messages follow 40 s apart.
    await client.query(`
      insert into public.cloud_sessions (id, user_id, device_id, project_id, title, model, created_at)
      select md5('bench-usage-session-' || s)::uuid, '${USER_ID}',
             ('3d000000-0000-4000-8000-0000000000' || lpad((1 + s % 10)::text, 2, '0'))::uuid,
             case when s % 6 = 0 then null
                  else ('3b000000-0000-4000-8000-0000000000' || lpad((1 + s % 5)::text, 2, '0'))::uuid end,
             'Bench session ' || s, 'bench-model-' || (1 + (s * 7) % 30),
             now() - make_interval(secs => (abs(hashtext('t' || s)) % (365 * 86400))::double precision)
        from generate_series(1, ${sessions}) as s`)
    // The messages go in as whole chunks, priced set-based in the insert itself: the bench
    // stands in for sync_push, which does the same (owner, project and price for its whole
    // batch, with lmx.trusted_message_write on so the per-row message trigger stays out).
    // The per-row local-pricing trigger, where it still exists, is switched off for the load
    // only; the local cost and cloud equivalent are computed here by the same rules, and a
    // sample is checked against private.message_* afterwards. The rollup and session-count
    // statement triggers run as they do for every write.
    const { rows: perRow } = await client.query<{ name: string }>(
      `select tgname as name from pg_trigger
        where tgrelid = 'public.cloud_messages'::regclass and not tgisinternal
          and tgname = 'cloud_messages_price_local'`
    )
    for (const { name } of perRow) {
      await client.query(`alter table public.cloud_messages disable trigger ${name}`)
    }
    const started = performance.now()
    let total = 0
    for (
      let from = 0;
      total < TARGET_MESSAGES && performance.now() - started < LOAD_TIME_LIMIT_MS;
      from += CHUNK
    ) {
      const count = Math.min(CHUNK, TARGET_MESSAGES - total)
      await client.query("begin")
      await client.query("select set_config('lmx.trusted_message_write', 'on', true)")
      await client.query(`
        insert into public.cloud_messages (session_id, user_id, project_id, device_id, message_index, role,
          content, model, input_tokens, output_tokens, cached_tokens, tokens_per_second,
          time_to_first_token_ms, created_at, local_cost_usd, cloud_equivalent_usd)
        select m.session_id, m.user_id, m.project_id, m.device_id, m.message_index, 'assistant', '', m.model,
               m.input_tokens, m.output_tokens, m.cached_tokens, m.tokens_per_second,
               m.time_to_first_token_ms, m.created_at,
               coalesce((
                 select case d.mode when 'hourly' then busy.seconds / 3600 * d.usd_per_hour
                        else busy.seconds / 3600 * d.busy_watts / 1000 * d.usd_per_kwh end
                   from public.device_prices d,
                        lateral (select m.output_tokens / m.tokens_per_second::numeric
                                        + coalesce(m.time_to_first_token_ms, 0) / 1000.0 as seconds) busy
                  where d.device_id = m.device_id and m.tokens_per_second > 0), 0)::numeric(16, 8),
               coalesce((
                 select ((m.input_tokens - m.cached_tokens) * p.input_per_mtok
                         + m.cached_tokens * p.cached_per_mtok + m.output_tokens * p.output_per_mtok) / 1000000
                   from (select r.reference_model from public.model_references r
                          where r.model = m.model and (r.user_id = m.user_id or r.user_id is null)
                          order by r.user_id is null limit 1) r
                   join public.model_prices p on p.model = r.reference_model
                  where (p.user_id = m.user_id or p.user_id is null) and p.effective_from <= m.created_at
                  order by p.user_id is null, p.effective_from desc limit 1), 0)::numeric(16, 8)
          from (
            select s.id as session_id, s.user_id, s.project_id, s.device_id,
                   i % ${MESSAGES_PER_SESSION} as message_index, s.model,
                   600 + i % 900 as input_tokens, 80 + i % 700 as output_tokens, i % 300 as cached_tokens,
                   (20 + i % 80)::real as tokens_per_second, 150 + i % 900 as time_to_first_token_ms,
                   s.created_at + make_interval(secs => (i % ${MESSAGES_PER_SESSION}) * 40) as created_at
              from generate_series(${from}, ${from + count - 1}) as i
              join public.cloud_sessions s on s.id = md5('bench-usage-session-' || (1 + i / ${MESSAGES_PER_SESSION}))::uuid
          ) m`)
      await client.query("commit")
      total += count
    }
    for (const { name } of perRow) {
      await client.query(`alter table public.cloud_messages enable trigger ${name}`)
    }
    const seconds = (performance.now() - started) / 1000
    await client.query(
      "analyze public.cloud_messages; analyze public.usage_hourly; analyze public.usage_daily"
    )
    const { rows } = await client.query<{ hourly: number }>(
      "select count(*)::int as hourly from public.usage_hourly"
    )
    // The set-based prices must be the ones the database's own rules give.
    const { rows: wrong } = await client.query<{ n: number; checked: number }>(`
      select count(*) filter (where m.local_cost_usd <> private.message_local_cost(m.device_id, m.output_tokens,
                m.tokens_per_second, m.time_to_first_token_ms)
              or m.cloud_equivalent_usd <> private.message_cloud_equivalent(m.user_id, m.model,
                m.created_at, m.input_tokens, m.output_tokens, m.cached_tokens))::int as n,
             count(*)::int as checked
        from public.cloud_messages m tablesample system (1)`)
    if (wrong[0]!.n > 0) {
      throw new Error(
        `usage bench: ${wrong[0]!.n} of ${wrong[0]!.checked} sampled messages are priced differently from the database's rules`
      )
    }
    console.log(
      `  load: ${total.toLocaleString("en")} messages in chunks of ${CHUNK.toLocaleString("en")} in ${seconds.toFixed(1)} s${total < TARGET_MESSAGES ? " (time limit reached)" : ""}; usage_hourly holds ${rows[0]!.hourly.toLocaleString("en")} rows`
    )

    return total
  })
}

function localToday(tz: string) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date())
}
function minusDays(date: string, days: number) {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - days)

  return d.toISOString().slice(0, 10)
}

async function timeRuns(runs: number, fn: () => Promise<unknown>) {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await fn()
    samples.push(performance.now() - started)
  }

  return samples
}

async function benchDashboard(url: string) {
  await withClient(url, async (client) => {
    // Yardstick: the usage_by_day 30-day query that bench:db times on UTC daily rollups.
    const yardstick = await timeRuns(RUNS, () =>
      asUser(client, () =>
        client.query(`select day, message_count, cost_usd from public.usage_by_day
          where day >= (now() at time zone 'UTC')::date - 30 order by day`)
      )
    )
    const yardstickMs = median(yardstick)
    console.log(
      `  yardstick usage_by_day 30 days (UTC daily rollup): p50 ${formatMs(yardstickMs)}, p95 ${formatMs(percentile(yardstick, 95))}`
    )
    for (const [label, tz, days] of [
      ["30 days, UTC", "UTC", 30],
      ["12 months, UTC", "UTC", 365],
      ["30 days, America/New_York", "America/New_York", 30],
      ["12 months, America/New_York", "America/New_York", 365],
      ["30 days, Asia/Kolkata (split hours)", "Asia/Kolkata", 30],
      ["12 months, Asia/Kolkata (split hours)", "Asia/Kolkata", 365],
    ] as const) {
      const to = localToday(tz)
      const from = minusDays(to, days - 1)
      // The first read in a zone builds the user's local-day rows for it (once per zone, kept
      // up to date by the message triggers afterwards): timed apart from the runs.
      const [first] = await timeRuns(1, () =>
        asUser(
          client,
          () =>
            client.query("select public.usage_dashboard($1, $2, $3, null, null, null, 'model')", [
              from,
              to,
              tz,
            ]),
          "commit"
        )
      )
      console.log(
        `  first read in ${tz} ${days === 365 ? "(12 months)" : "(30 days)"}: ${formatMs(first!)}`
      )
      const samples = await timeRuns(RUNS, () =>
        asUser(client, async () => {
          await client.query(
            "select public.usage_dashboard($1, $2, $3, null, null, null, 'model')",
            [from, to, tz]
          )
          await client.query("select * from public.usage_speeds($1, $2, $3)", [from, to, tz])
        })
      )
      if (days === 365) {
        // Where the time goes: the report rows alone, and the speeds alone.
        const report = await timeRuns(5, () =>
          asUser(client, () =>
            client.query("select count(*) from public.usage_report($1, $2, $3)", [
              minusDays(from, 365),
              to,
              tz,
            ])
          )
        )
        const speeds = await timeRuns(5, () =>
          asUser(client, () =>
            client.query("select * from public.usage_speeds($1, $2, $3)", [from, to, tz])
          )
        )
        console.log(
          `    of which usage_report over both ranges: p50 ${formatMs(median(report))}; usage_speeds: p50 ${formatMs(median(speeds))}`
        )
      }
      console.log(
        `  /usage data ${label}: p50 ${formatMs(median(samples))}, p95 ${formatMs(percentile(samples, 95))} (target p95 < 100 ms; ${(median(samples) / yardstickMs).toFixed(1)}x the yardstick)`
      )
      record({
        name: `usage.dashboard.${days}_days.${tz.replace(/\W+/g, "_")}.p95`,
        label: `/usage data ${label} p95 (yardstick: usage_by_day 30 days p95)`,
        value: percentile(samples, 95),
        unit: "ms",
        yardstick: percentile(yardstick, 95),
        target: "p95 < 100 ms",
        check: (value) => value < 100,
      })
    }
  })
}

async function benchExport(url: string) {
  await withClient(url, async (client) => {
    const tz = "Europe/Berlin"
    const to = localToday(tz)
    const from = minusDays(to, 364)
    const names = { devices: new Map<string, string>(), projects: new Map<string, string>() }
    // The page in this zone was looked at before the export (its local-day rows exist).
    const [first] = await timeRuns(1, () =>
      asUser(
        client,
        () => client.query("select count(*) from public.usage_report($1, $1, $2)", [to, tz]),
        "commit"
      )
    )
    console.log(`  first read in ${tz} (builds its local-day rows): ${formatMs(first!)}`)
    const heapStart = process.memoryUsage().heapUsed
    let heapMax = heapStart
    let rows = 0
    let bytes = 0
    const started = performance.now()
    await asUser(client, async () => {
      for (let chunk = from; chunk <= to;) {
        // The route's own chunking (lib/usage/csv.ts).
        const last = minusDays(chunk, -(EXPORT_CHUNK_DAYS - 1))
        const end = last < to ? last : to
        const result = await client.query<{ day: string; rows: unknown[][] }>(
          "select day::text, rows from public.usage_report_days($1, $2, $3)",
          [chunk, end, tz]
        )
        for (const { day, rows: dayRows } of result.rows) {
          for (const [
            model,
            device,
            project,
            messages,
            input,
            output,
            cached,
            cost,
            local,
            cloud,
          ] of dayRows as [
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
              day,
              model,
              device_id: device,
              project_id: project,
              message_count: messages,
              input_tokens: input,
              output_tokens: output,
              cached_tokens: cached,
              cost_usd: cost,
              local_cost_usd: local,
              cloud_equivalent_usd: cloud,
            }
            bytes += csvRow(row, names).length
            rows++
          }
        }
        heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)
        chunk = minusDays(end, -1)
      }
    })
    const seconds = (performance.now() - started) / 1000
    // Yardstick: reading the same number of plain rows from the rollup and formatting nothing.
    const plainStarted = performance.now()
    await asUser(client, () =>
      client.query(
        `select * from public.usage_hourly where user_id = '${USER_ID}' limit ${Math.max(rows, 1)}`
      )
    )
    const plainSeconds = (performance.now() - plainStarted) / 1000
    console.log(
      `  CSV export 12 months (${tz}): ${rows.toLocaleString("en")} rows, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString("en")} rows/s (target >= 50,000); heap grew ${((heapMax - heapStart) / 1e6).toFixed(1)} MB at most`
    )
    console.log(
      `  yardstick: the same number of raw rollup rows selected in one query: ${Math.round(rows / plainSeconds).toLocaleString("en")} rows/s (export at ${(plainSeconds / seconds).toFixed(2)}x that rate)`
    )
    record({
      name: "usage.csv_export.12_months.rows_per_s",
      label: "CSV export 12 months (yardstick: the same number of raw rollup rows in one query)",
      value: rows / seconds,
      unit: "rows/s",
      yardstick: rows / plainSeconds,
      target: "≥ 50,000 rows/s",
      check: (value) => value >= 50_000,
    })
  })
}

async function benchReprice(url: string, total: number) {
  await withClient(url, async (client) => {
    // Yardstick: computing every message's price without writing anything.
    const computeStarted = performance.now()
    await client.query(`select sum(private.message_cost(m.user_id, m.model, m.created_at, m.input_tokens,
      m.output_tokens, m.cached_tokens)) from public.cloud_messages m`)
    const computeMs = performance.now() - computeStarted
    const started = performance.now()
    // Every model's price changes from a year ago: all messages are re-priced.
    const result = await client.query(
      "update public.model_prices set output_per_mtok = output_per_mtok * 1.1 where model like 'bench-model-%'"
    )
    const ms = performance.now() - started
    // Every hourly rollup row against its messages, set-based (a correlated sum per rollup row
    // takes minutes at this size).
    const { rows } = await client.query<{ n: number }>(`
      select count(*)::int as n
        from public.usage_hourly u
        full join (
          select m.user_id, date_trunc('hour', m.created_at, 'UTC') as hour, coalesce(m.model, 'unknown') as model,
                 m.device_id, m.project_id, sum(coalesce(private.token_cost(m.input_tokens, m.output_tokens, m.cached_tokens,
                   v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0)) as cost,
                 sum(m.cloud_equivalent_usd) as cloud
            from public.cloud_messages m
            left join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
           where m.deleted_at is null
           group by 1, 2, 3, 4, 5) m
          on m.user_id = u.user_id and m.hour = u.hour and m.model = u.model
         and m.device_id is not distinct from u.device_id and m.project_id is not distinct from u.project_id
       where u.cost_usd is distinct from m.cost or u.cloud_equivalent_usd is distinct from m.cloud`)
    // And every local-day row of every zone the dashboards and the export built.
    const { rows: local } = await client.query<{ n: number }>(`
      select count(*)::int as n
        from public.usage_local_days u
        full join (
          select m.user_id, z.tz, (m.created_at at time zone z.tz)::date as day, coalesce(m.model, 'unknown') as model,
                 m.device_id, m.project_id, sum(coalesce(private.token_cost(m.input_tokens, m.output_tokens, m.cached_tokens,
                   v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0)) as cost,
                 sum(m.cloud_equivalent_usd) as cloud
            from public.cloud_messages m
            left join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
            join private.usage_local_zones z on z.user_id = m.user_id
           where m.deleted_at is null
           group by 1, 2, 3, 4, 5, 6) m
          on m.user_id = u.user_id and m.tz = u.tz and m.day = u.day and m.model = u.model
         and m.device_id is not distinct from u.device_id and m.project_id is not distinct from u.project_id
       where u.cost_usd is distinct from m.cost or u.cloud_equivalent_usd is distinct from m.cloud`)
    console.log(
      `  re-pricing ${total.toLocaleString("en")} messages (${result.rowCount} price rows changed): ${(ms / 1000).toFixed(2)} s (target < 10 s); ${rows[0]!.n} hourly rows and ${local[0]!.n} local-day rows disagree with their messages afterwards`
    )
    console.log(
      `  yardstick: computing every message's price without writing: ${(computeMs / 1000).toFixed(2)} s (re-pricing takes ${(ms / computeMs).toFixed(1)}x that)`
    )
    const disagreeing = rows[0]!.n + local[0]!.n
    record({
      name: "usage.reprice.all_messages",
      label: `re-pricing ${total.toLocaleString("en")} messages (yardstick: computing every price without writing)`,
      value: ms,
      unit: "ms",
      yardstick: computeMs,
      target: "< 10,000 ms, every rollup row agrees",
      check: (value) => value < 10_000 && disagreeing === 0,
    })
  })
}

export async function runUsageBench(databaseUrl: string): Promise<void> {
  // BENCH_USAGE_DB=<name> keeps the loaded database under that name and reuses it on the next
  // run (pending migrations applied, no second load), so the page reads can be timed again
  // after a change without loading 1,000,000 messages each time.
  const reuse = process.env.BENCH_USAGE_DB
  if (reuse !== undefined && !/^[a-z0-9_]+$/.test(reuse)) {
    throw new Error("usage bench: BENCH_USAGE_DB is a lower-case database name")
  }
  const name = reuse ?? `lmx_bench_usage_${process.pid}_${randomBytes(3).toString("hex")}`
  const exists = await withClient(databaseUrl, async (admin) => {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [name])
    if (!rowCount) await admin.query(`create database ${name}`)

    return Boolean(rowCount)
  })
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  try {
    console.log("usage: dashboards, CSV export and re-pricing (Postgres)")
    let total: number
    if (exists) {
      await prepareExisting(url.toString())
      total = await withClient(url.toString(), async (client) => {
        const { rows } = await client.query<{ n: number }>(
          "select count(*)::int as n from public.cloud_messages"
        )

        return rows[0]!.n
      })
      console.log(`  reusing database ${name}: ${total.toLocaleString("en")} messages`)
    } else {
      await prepare(url.toString())
      total = await load(url.toString())
    }
    const only = process.env.BENCH_USAGE_ONLY?.split(",")
    if (!only || only.includes("dashboard")) await benchDashboard(url.toString())
    if (!only || only.includes("export")) await benchExport(url.toString())
    if (!only || only.includes("reprice")) await benchReprice(url.toString(), total)
  } finally {
    // BENCH_USAGE_KEEP=1 leaves the database for explain analyze (its name is printed).
    if (process.env.BENCH_USAGE_KEEP === "1" || reuse) console.log(`  kept database ${name}`)
    else
      await withClient(databaseUrl, (admin) =>
        admin.query(`drop database if exists ${name} with (force)`)
      )
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    console.error(
      "usage bench: set DATABASE_URL to a Postgres server (a throwaway database is created on it)"
    )
    process.exit(1)
  }
  await runUsageBench(databaseUrl)
}
