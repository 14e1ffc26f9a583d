// Chat sync and usage dashboards on Postgres, in a throwaway database:
//   1. sync_push of 10,000 messages across 100 sessions in one call, as a device (target < 1 s),
//      then the same batch again (all duplicates);
//   2. loading 1,000,000 messages (BENCH_DB_MESSAGES) through the triggers, against the same
//      insert into a copy of the table without them;
//   3. the usage-by-day dashboard query over them (target p95 < 50 ms), with the
//      plan showing it reads the rollup, not the messages.
// Usage: DATABASE_URL=… tsx scripts/bench/db-core.ts
//   BENCH_DB_ONLY=push: only step 1; BENCH_DB_PUSH_PAIRS=n: sync_push and plain-upsert pairs (5).
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import path from "node:path"
import { pathToFileURL } from "node:url"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import pg from "pg"

import { record, sizeFromEnv } from "./report"
import { VARIANT_SQL, type Variant } from "./session-check"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const USER_ID = "3a000000-0000-4000-8000-000000000001"
const DEVICE_ID = "3d000000-0000-4000-8000-000000000001"
const MODELS = [
  "qwen3-coder-30b-a3b",
  "llama-3.3-70b-instruct",
  "gpt-oss-20b",
  "mistral-small-3.2-24b",
]
const PUSH_SESSIONS = 100
const PUSH_MESSAGES = 10_000
const PUSH_PAIRS = sizeFromEnv("BENCH_DB_PUSH_PAIRS", 5)
const TARGET_MESSAGES = sizeFromEnv("BENCH_DB_MESSAGES", 1_000_000)
const CHUNK = 100_000
const LOAD_TIME_LIMIT_MS = 480_000
const DASHBOARD_RUNS = 200

const CLAIMS = JSON.stringify({
  sub: USER_ID,
  role: "authenticated",
  aud: "authenticated",
  device_id: DEVICE_ID,
})
const USER_CLAIMS = JSON.stringify({
  sub: USER_ID,
  role: "authenticated",
  aud: "authenticated",
})

async function withAdmin<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
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
      insert into auth.users (id, email, aud, role) values ('${USER_ID}', 'bench@core.test', 'authenticated', 'authenticated');
      insert into public.devices (id, user_id, name, role) values ('${DEVICE_ID}', '${USER_ID}', 'bench host', 'llm_host');
      insert into public.devices (user_id, name) select '${USER_ID}', 'bench workstation ' || i from generate_series(1, 2) as i;
      insert into ops.projects (id, name, created_by) values
        ('3b000000-0000-4000-8000-000000000001', 'Bench project A', '${USER_ID}'),
        ('3b000000-0000-4000-8000-000000000002', 'Bench project B', '${USER_ID}');
      insert into ops.project_memberships (project_id, user_id, role)
      select p.id, '${USER_ID}', 'owner' from ops.projects p
       where not exists (select 1 from ops.project_memberships m where m.project_id = p.id);
      insert into public.model_prices (model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
      select m, 0.2 * k, 0.8 * k, 0.05 * k, now() - interval '1 year'
        from unnest(array[${MODELS.map((m) => `'${m}'`).join(", ")}]) with ordinality as t (m, k);
      -- Priced as a user who set up /usage/prices: the host by the hour, one local model mapped
      -- to a cloud reference, so every message's local cost and cloud equivalent are looked up.
      insert into public.model_prices (model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
      values ('bench-cloud-reference', 3, 15, 0.3, now() - interval '1 year');
      insert into public.device_prices (device_id, user_id, mode, usd_per_hour)
      values ('${DEVICE_ID}', '${USER_ID}', 'hourly', 0.85);
      insert into public.model_references (user_id, model, reference_model)
      values (null, '${MODELS[0]}', 'bench-cloud-reference');
    `)
  } finally {
    await db.close()
  }
}

function pushBatch(seed: string) {
  const uuid = (kind: number, n: number) =>
    `${seed}-${kind.toString(16).padStart(4, "0")}-4000-8000-${n.toString(16).padStart(12, "0")}`
  const now = Date.now()
  const sessions = Array.from({ length: PUSH_SESSIONS }, (_, s) => ({
    id: uuid(1, s),
    sync_version: 1,
    title: `Bench session ${s}`,
    model: MODELS[s % MODELS.length],
    created_at: new Date(now - (PUSH_SESSIONS - s) * 60_000).toISOString(),
  }))
  const messages = Array.from({ length: PUSH_MESSAGES }, (_, m) => {
    const session = m % PUSH_SESSIONS
    const index = Math.floor(m / PUSH_SESSIONS)
    const assistant = index % 2 === 1

    return {
      id: uuid(2, m),
      session_id: uuid(1, session),
      parent_id: index === 0 ? null : uuid(2, m - PUSH_SESSIONS),
      sync_version: 1,
      message_index: index,
      role: assistant ? "assistant" : "user",
      content: assistant
        ? `Here is what I found about item ${m}: the cursor is decoded twice, so decode it once in the handler and pass it down.`
        : `Question ${m}: why does the pagination skip rows after a deploy?`,
      model: MODELS[session % MODELS.length],
      input_tokens: assistant ? 800 + index * 40 : 0,
      output_tokens: assistant ? 120 + (m % 400) : 0,
      cached_tokens: assistant ? index * 20 : 0,
      tokens_per_second: assistant ? 42.5 : null,
      time_to_first_token_ms: assistant ? 310 : null,
      created_at: new Date(now - (PUSH_SESSIONS - session) * 60_000 + index * 1000).toISOString(),
    }
  })

  return { sessions, messages }
}

/**
 * CPU time the server process behind a connection has used, in ms, when the server runs on this
 * machine (Linux: /proc/<pid>/schedstat, nanoseconds on the CPU); null otherwise. A statement's
 * CPU time moves much less with the machine's load than its wall time: time spent waiting for
 * a core is not in it.
 */
async function backendCpu(client: pg.Client): Promise<(() => number | null) | null> {
  const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid")
  const file = `/proc/${rows[0]!.pid}/schedstat`
  const read = () => {
    try {
      return Number(readFileSync(file, "utf8").split(" ")[0]) / 1e6
    } catch {
      return null
    }
  }

  return read() === null ? null : read
}

async function benchPush(url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const cpu = await backendCpu(client)
    const measure = async <T>(work: () => Promise<T>) => {
      const cpuBefore = cpu?.() ?? null
      const started = performance.now()
      const result = await work()
      const ms = performance.now() - started
      const cpuAfter = cpu?.() ?? null

      return {
        result,
        ms,
        cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      }
    }
    const push = async (batch: ReturnType<typeof pushBatch>) => {
      const body = JSON.stringify(batch)
      const { result, ms, cpuMs } = await measure(async () => {
        await client.query("begin")
        await client.query("select set_config('request.jwt.claims', $1, true)", [CLAIMS])
        await client.query("set local role authenticated")
        const answer = await client.query<{ status: string; n: number }>(
          "select status, count(*)::int as n from public.sync_push($1::jsonb) group by status order by status",
          [body]
        )
        await client.query("commit")

        return answer
      })

      return {
        ms,
        cpuMs,
        statuses: result.rows
          .map((row) => `${row.n.toLocaleString("en")} ${row.status}`)
          .join(", "),
      }
    }
    // What this machine does right now with a plain batched upsert of the same JSON into a
    // table with only a primary key: the yardstick the 1 s target was set against.
    await client.query(
      "create table bench_plain (id uuid primary key, session_id uuid, message_index int, role text, content text, model text, input_tokens int, output_tokens int, cached_tokens int, created_at timestamptz)"
    )
    const plainUpsert = (seed: string) => {
      const body = JSON.stringify(pushBatch(seed).messages)

      return measure(() =>
        client.query(
          `insert into bench_plain
           select id, session_id, message_index, role, content, model, input_tokens, output_tokens, cached_tokens, created_at
             from jsonb_to_recordset($1::jsonb) as x (id uuid, session_id uuid, message_index int, role text, content text,
               model text, input_tokens int, output_tokens int, cached_tokens int, created_at timestamptz)
           on conflict (id) do update set content = excluded.content`,
          [body]
        )
      )
    }
    // sync_push and the yardstick in alternating pairs, so both see the same moments of a
    // shared machine; the ratio is the median of the pairs' ratios.
    const pairs: {
      push: number
      plain: number
      pushCpu: number | null
      plainCpu: number | null
    }[] = []
    for (let k = 0; k < PUSH_PAIRS; k++) {
      const batch = pushBatch((0x3e000001 + k).toString(16))
      const first = await push(batch)
      console.log(
        `  sync_push ${PUSH_MESSAGES.toLocaleString("en")} messages + ${PUSH_SESSIONS} sessions: ${formatMs(first.ms)} (${first.statuses})`
      )
      if (k === 0) {
        const replay = await push(batch)
        console.log(`  the same batch again: ${formatMs(replay.ms)} (${replay.statuses})`)
      }
      const plain = await plainUpsert((0x3e000101 + k).toString(16))
      pairs.push({ push: first.ms, plain: plain.ms, pushCpu: first.cpuMs, plainCpu: plain.cpuMs })
    }
    const timings = pairs.map((pair) => pair.push)
    const plainMs = median(pairs.map((pair) => pair.plain))
    const pairRatio = median(pairs.map((pair) => pair.push / pair.plain))
    const cpuPairs = pairs.filter(
      (pair): pair is { push: number; plain: number; pushCpu: number; plainCpu: number } =>
        pair.pushCpu !== null && pair.plainCpu !== null
    )
    console.log(
      `  sync_push median ${formatMs(median(timings))}, ${Math.round((PUSH_MESSAGES + PUSH_SESSIONS) / (median(timings) / 1000)).toLocaleString("en")} rows/s (best ${formatMs(Math.min(...timings))})`
    )
    console.log(
      `  reference, plain batched upsert of the same 10,000 messages: ${formatMs(plainMs)} (${Math.round(PUSH_MESSAGES / (plainMs / 1000)).toLocaleString("en")} rows/s)`
    )
    console.log(
      `  ${PUSH_PAIRS} alternating pairs, sync_push ÷ plain upsert: median of the pairs' ratios ${pairRatio.toFixed(2)}× wall` +
        (cpuPairs.length > 0
          ? `, ${median(cpuPairs.map((pair) => pair.pushCpu / pair.plainCpu)).toFixed(2)}× server CPU (${formatMs(median(cpuPairs.map((pair) => pair.pushCpu)))} vs ${formatMs(median(cpuPairs.map((pair) => pair.plainCpu)))})`
          : " (server CPU time not readable: the server is not on this machine)")
    )

    // The search vectors the pushes left pending, computed as the device API does after
    // answering (docs/sessions.md, "Search indexing"): work moved off the device's wait, not
    // removed, so it is printed beside it.
    const indexStarted = performance.now()
    const { rows: indexed } = await client.query<{ n: number }>(
      "select private.index_message_search(null) as n"
    )
    console.log(
      `  afterwards, off the device's path: search vectors of the ${indexed[0]!.n.toLocaleString("en")} pushed messages in ${formatMs(performance.now() - indexStarted)}`
    )

    // The floor under sync_push, same run: the same messages (into sessions the pushes made)
    // in one insert into cloud_messages itself, with its indexes, foreign keys
    // and statement triggers, and nothing of sync_push's (no classification, no pricing; the
    // per-row triggers stand aside as they do for sync_push). What sync_push adds is the
    // difference; what the table costs is this over the plain upsert.
    const direct: number[] = []
    for (let k = 0; k < Math.min(PUSH_PAIRS, 3); k++) {
      const seed = (0x3e000001 + k).toString(16)
      const messages = pushBatch(seed).messages.map((m) => ({
        ...m,
        id: `${(0x3f000001 + k).toString(16)}${m.id.slice(8)}`,
        parent_id: null,
      }))
      const started = performance.now()
      await client.query("begin")
      await client.query("set local lmx.trusted_message_write = 'on'")
      await client.query(
        `insert into public.cloud_messages (id, session_id, user_id, device_id, message_index, role, content,
           model, input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at)
         select x.id, x.session_id, $2, $3, x.message_index, x.role, x.content, x.model, x.input_tokens,
                x.output_tokens, x.cached_tokens, x.tokens_per_second, x.time_to_first_token_ms, x.created_at
           from jsonb_to_recordset($1::jsonb) as x (id uuid, session_id uuid, message_index int, role text,
             content text, model text, input_tokens int, output_tokens int, cached_tokens int,
             tokens_per_second real, time_to_first_token_ms int, created_at timestamptz)
         on conflict (id) do nothing`,
        [JSON.stringify(messages), USER_ID, DEVICE_ID]
      )
      await client.query("commit")
      direct.push(performance.now() - started)
    }
    console.log(
      `  floor, the same 10,000 messages in one insert into cloud_messages (its indexes, foreign keys and triggers; search vectors pending; no classification or pricing): ${formatMs(median(direct))}, ${(median(direct) / plainMs).toFixed(1)}× the plain upsert`
    )
    record({
      name: "db-core.sync_push.floor_direct_insert",
      label:
        "the floor: the same messages in one insert into cloud_messages (yardstick: plain upsert)",
      value: median(direct),
      unit: "ms",
      yardstick: plainMs,
    })
    record({
      name: "db-core.sync_push.10000_messages",
      label: `sync_push 10,000 messages, median of ${PUSH_PAIRS} (pairs alternating with the yardstick)`,
      value: median(timings),
      unit: "ms",
      yardstick: plainMs,
      target: "< 1,000 ms and ≤ 4× the plain batched upsert",
      check: (value, ratio) => value < 1000 && (ratio ?? Infinity) <= 4,
    })
    if (cpuPairs.length > 0) {
      record({
        name: "db-core.sync_push.10000_messages.server_cpu",
        label: "sync_push 10,000 messages, server CPU time, median (yardstick: the plain upsert's)",
        value: median(cpuPairs.map((pair) => pair.pushCpu)),
        unit: "ms",
        yardstick: median(cpuPairs.map((pair) => pair.plainCpu)),
      })
    }
  } finally {
    await client.end()
  }
}

async function loadMessages(url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from public.cloud_messages"
    )
    let total = rows[0]!.n
    await client.query(`
      insert into public.cloud_sessions (id, user_id, device_id, project_id, title, model, created_at)
      select md5('bench-session-' || s)::uuid, '${USER_ID}',
             (select id from public.devices order by id offset (s % 3) limit 1),
             case s % 3 when 1 then '3b000000-0000-4000-8000-000000000001'::uuid
                        when 2 then '3b000000-0000-4000-8000-000000000002'::uuid end,
             'Load session ' || s, (array[${MODELS.map((m) => `'${m}'`).join(", ")}])[1 + s % ${MODELS.length}],
             now() - make_interval(days => s % 30)
        from generate_series(1, 1000) as s
    `)
    const started = performance.now()
    const deadline = started + LOAD_TIME_LIMIT_MS
    let chunk = 0
    while (total < TARGET_MESSAGES && performance.now() < deadline) {
      const count = Math.min(CHUNK, TARGET_MESSAGES - total)
      const from = chunk * CHUNK
      // Each chunk is one statement, so the statement-level triggers fold it into the rollup.
      await client.query(`
        insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content, model,
          input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at)
        select s.id, s.user_id, s.device_id, i / 1000, case when i % 2 = 0 then 'user' else 'assistant' end,
               'm' || i, (array[${MODELS.map((m) => `'${m}'`).join(", ")}])[1 + (i / 7) % ${MODELS.length}],
               case when i % 2 = 1 then 600 + i % 900 else 0 end,
               case when i % 2 = 1 then 80 + i % 700 else 0 end,
               case when i % 2 = 1 then i % 300 else 0 end,
               case when i % 2 = 1 then 30 + i % 60 end, case when i % 2 = 1 then 200 + i % 900 end,
               s.created_at + make_interval(secs => (i / 1000) * 40) - make_interval(days => (i / 1000) % 30)
          from generate_series(${from}, ${from + count - 1}) as i
          join public.cloud_sessions s on s.id = md5('bench-session-' || (1 + i % 1000))::uuid
      `)
      total += count
      chunk++
    }
    const seconds = (performance.now() - started) / 1000
    const loaded = total - rows[0]!.n
    console.log(
      `  load: ${loaded.toLocaleString("en")} messages through the triggers in ${seconds.toFixed(1)} s${total < TARGET_MESSAGES ? " (time limit reached)" : ""}`
    )
    // Yardstick: the same insert into a copy of the table without triggers, indexes or
    // policies (the stored full-text column is still computed), one chunk.
    const sample = Math.min(CHUNK, Math.max(loaded, 1000))
    await client.query(
      "create table public.bench_plain_messages (like public.cloud_messages including defaults including generated)"
    )
    const plainStarted = performance.now()
    await client.query(`
      insert into public.bench_plain_messages (session_id, user_id, device_id, message_index, role, content, model,
        input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at)
      select s.id, s.user_id, s.device_id, i / 1000, case when i % 2 = 0 then 'user' else 'assistant' end,
             'm' || i, (array[${MODELS.map((m) => `'${m}'`).join(", ")}])[1 + (i / 7) % ${MODELS.length}],
             case when i % 2 = 1 then 600 + i % 900 else 0 end,
             case when i % 2 = 1 then 80 + i % 700 else 0 end,
             case when i % 2 = 1 then i % 300 else 0 end,
             case when i % 2 = 1 then 30 + i % 60 end, case when i % 2 = 1 then 200 + i % 900 end,
             s.created_at + make_interval(secs => (i / 1000) * 40) - make_interval(days => (i / 1000) % 30)
        from generate_series(0, ${sample - 1}) as i
        join public.cloud_sessions s on s.id = md5('bench-session-' || (1 + i % 1000))::uuid
    `)
    const plainRate = sample / ((performance.now() - plainStarted) / 1000)
    record({
      name: "db-core.load.messages_per_s",
      label: "loading messages through the triggers (the seed's path)",
      value: loaded / seconds,
      unit: "messages/s",
      yardstick: plainRate,
    })
    await client.query(
      "analyze public.cloud_messages; analyze public.usage_hourly; analyze public.cloud_sessions"
    )

    return total
  } finally {
    await client.end()
  }
}

async function benchDashboard(url: string, total: number) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const dashboard = `select day, message_count, input_tokens, output_tokens, cached_tokens, cost_usd
    from public.usage_by_day where day >= (now() at time zone 'UTC')::date - 30 order by day`
  const asUser = async <T>(fn: () => Promise<T>) => {
    await client.query("begin")
    await client.query("select set_config('request.jwt.claims', $1, true)", [USER_CLAIMS])
    await client.query("set local role authenticated")
    try {
      return await fn()
    } finally {
      await client.query("rollback")
    }
  }
  try {
    const { rows: counts } = await client.query<{ rollup: number }>(
      "select count(*)::int as rollup from public.usage_daily"
    )
    console.log(
      `  ${total.toLocaleString("en")} messages, ${counts[0]!.rollup.toLocaleString("en")} rollup rows`
    )
    // One round trip per request, the statements PostgREST runs for it, as one simple query.
    const request = `begin;
      select set_config('request.jwt.claims', '${USER_CLAIMS}', true);
      set local role authenticated;
      ${dashboard};
      rollback;`
    const samples: number[] = []
    let days = 0
    for (let run = 0; run < DASHBOARD_RUNS; run++) {
      const started = performance.now()
      const replies = (await client.query(request)) as unknown as pg.QueryResult[]
      samples.push(performance.now() - started)
      days = replies[3]?.rowCount ?? 0
    }
    console.log(
      `  usage_by_day (30 days, ${days} rows) as the user, ${DASHBOARD_RUNS} requests: p50 ${formatMs(median(samples))}, p95 ${formatMs(percentile(samples, 95))}, p99 ${formatMs(percentile(samples, 99))}`
    )
    // The database's own time for the query, without the client's scheduling on a busy machine.
    const server: number[] = []
    for (let run = 0; run < 50; run++) {
      const replies = (await client.query(
        request.replace(dashboard, `explain (analyze, format json) ${dashboard}`)
      )) as unknown as pg.QueryResult<{
        "QUERY PLAN": [{ "Execution Time": number }]
      }>[]
      const time = replies[3]?.rows[0]?.["QUERY PLAN"][0]["Execution Time"]
      if (time !== undefined) server.push(time)
    }
    console.log(
      `  the same query's execution time in the database, 50 runs: p50 ${formatMs(median(server))}, p95 ${formatMs(percentile(server, 95))}`
    )

    // The session check's cost (#17, "Signing out everywhere"): the same request with a token
    // naming a live session, private.is_device_request() swapped between its body before the
    // check and the one with it, in rounds, in this one run.
    const SESSION_ID = "3a000000-0000-4000-8000-0000000000a1"
    await client.query(
      `insert into auth.sessions (id, user_id, created_at) values ('${SESSION_ID}', '${USER_ID}', now())`
    )
    const sessionRequest = request.replace(
      USER_CLAIMS,
      JSON.stringify({ ...JSON.parse(USER_CLAIMS), session_id: SESSION_ID })
    )
    const bySession: Record<Variant, number[]> = { without: [], with: [] }
    for (let round = 0; round < 4; round++) {
      for (const variant of ["without", "with"] as const) {
        await client.query(VARIANT_SQL[variant])
        for (let run = 0; run < 50; run++) {
          const started = performance.now()
          const replies = (await client.query(sessionRequest)) as unknown as pg.QueryResult[]
          bySession[variant].push(performance.now() - started)
          if ((replies[3]?.rowCount ?? 0) !== days) throw new Error("the session check hid rows")
        }
      }
    }
    await client.query(VARIANT_SQL.with)
    console.log(
      `  session check, usage_by_day with a live session_id, 200 requests each: without p50 ${formatMs(median(bySession.without))} p95 ${formatMs(percentile(bySession.without, 95))}, ` +
        `with p50 ${formatMs(median(bySession.with))} p95 ${formatMs(percentile(bySession.with, 95))}, ratio ${(median(bySession.with) / median(bySession.without)).toFixed(2)}×`
    )

    const plan = await asUser(() =>
      client.query<{ "QUERY PLAN": string }>(
        `explain (analyze, costs off, timing off, summary on) ${dashboard}`
      )
    )
    console.log("  plan:")
    for (const row of plan.rows) console.log(`    ${row["QUERY PLAN"]}`)

    const rawStarted = performance.now()
    await asUser(() =>
      client.query(`select (created_at at time zone 'UTC')::date as day, count(*), sum(input_tokens), sum(output_tokens),
          sum(cached_tokens), sum(m.cost_usd) from public.cloud_messages m where user_id = '${USER_ID}' and deleted_at is null
          and created_at >= now() - interval '31 days' group by 1 order by 1`)
    )
    const rawMs = performance.now() - rawStarted
    record({
      name: "db-core.usage_by_day.30_days.p95",
      label: "usage_by_day 30 days p95 (yardstick: the same numbers from the messages, once)",
      value: percentile(samples, 95),
      unit: "ms",
      yardstick: rawMs,
      target: "p95 < 50 ms",
      check: (value) => value < 50,
    })
  } finally {
    await client.end()
  }
}

export async function runDbCoreBench(databaseUrl: string): Promise<void> {
  const name = `lmx_bench_core_${process.pid}_${randomBytes(3).toString("hex")}`
  await withAdmin(databaseUrl, (admin) => admin.query(`create database ${name}`))
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  try {
    console.log("db-core: chat sync and usage dashboards (Postgres)")
    await prepare(url.toString())
    await benchPush(url.toString())
    if (process.env.BENCH_DB_ONLY === "push") return
    const total = await loadMessages(url.toString())
    await benchDashboard(url.toString(), total)
  } finally {
    await withAdmin(databaseUrl, (admin) =>
      admin.query(`drop database if exists ${name} with (force)`)
    )
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    console.error(
      "db-core: set DATABASE_URL to a Postgres server (a throwaway database is created on it)"
    )
    process.exit(1)
  }
  await runDbCoreBench(databaseUrl)
}
