// `npm run bench:sessions:list`: the sessions page's two database reads on Postgres, for a
// user with 10,000 sessions and 1,000,000 messages, in a throwaway database on DATABASE_URL:
//   1. the first page of list_sessions (what /sessions renders first; target p95 < 100 ms),
//      plus a deep keyset page and a device filter;
//   2. search_messages for a word (target p95 < 150 ms), with its plan showing the GIN index
//      (auto_explain of the statements inside: the functions set search_path, so they are not
//      inlined and a plain EXPLAIN would only show a Function Scan).
// Each request runs as the user, the way PostgREST runs it (claims, role, one transaction).
// Same-run yardsticks: the bare index reads under the same rows, without RLS or the page's
// columns, so the ratios say what the page's query costs on top of what the machine can do.
// Usage: DATABASE_URL=… tsx scripts/bench/sessions-list.ts
// BENCH_KEEP_DATABASE=<name>: load into that database once and keep it; later runs with the
// same name only apply new migrations and measure (loading a million messages takes minutes).
import { randomBytes } from "node:crypto"
import path from "node:path"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import pg from "pg"

import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const USER_ID = "4a000000-0000-4000-8000-000000000001"
const DEVICE_ID = "4d000000-0000-4000-8000-000000000001"
const SESSIONS = 10_000
const MESSAGES = 1_000_000
const CHUNK = 100_000
const RUNS = 200
const MODELS = ["qwen3-coder-30b-a3b", "llama-3.3-70b-instruct", "gpt-oss-20b", "gemma-3-27b"]
// Message text: 8 words from a 5,000-word vocabulary, so any one word is in ~0.16% of the
// messages (about 1,600), as a specific term is in real chats, plus a few common words.
const VOCABULARY = 5_000
const WORDS = [7919, 104729, 15485863, 32452843, 49979687, 67867967, 86028121, 104395301]
// Stops loading here and reports how many messages it has (a busy machine loads slowly).
const LOAD_TIME_LIMIT_MS = 900_000
const SEARCH_WORD = "term1234"
const COMMON_WORD = "pagination"

const USER_CLAIMS = JSON.stringify({ sub: USER_ID, role: "authenticated", aud: "authenticated" })

async function prepare(url: string) {
  const db = await openDatabase({ engine: "postgres", url, poolSize: 2 })
  try {
    await prepareDatabase(db, {
      migrationsDir: path.join(root, "supabase/migrations"),
      seedFiles: [],
    })
    await db.exec(`
      insert into auth.users (id, email, aud, role) values ('${USER_ID}', 'bench@sessions.test', 'authenticated', 'authenticated');
      insert into public.devices (id, user_id, name, role) values ('${DEVICE_ID}', '${USER_ID}', 'bench host', 'llm_host');
      insert into public.devices (user_id, name) select '${USER_ID}', 'bench workstation ' || i from generate_series(1, 2) as i;
      insert into ops.projects (id, name, created_by) values ('4b000000-0000-4000-8000-000000000001', 'Bench project', '${USER_ID}');
    `)
  } finally {
    await db.close()
  }
}

async function load(client: pg.Client) {
  const started = performance.now()
  await client.query(`
    insert into public.cloud_sessions (id, user_id, device_id, project_id, title, model, created_at)
    select md5('bench-list-session-' || s)::uuid, '${USER_ID}',
           (select id from public.devices order by id offset (s % 3) limit 1),
           case when s % 4 = 0 then '4b000000-0000-4000-8000-000000000001'::uuid end,
           'Session ' || s || ': ' || (array['refactor', 'debug', 'explain', 'plan'])[1 + s % 4],
           (array[${MODELS.map((m) => `'${m}'`).join(", ")}])[1 + s % ${MODELS.length}],
           now() - make_interval(mins => s * 4)
      from generate_series(1, ${SESSIONS}) as s
  `)
  // The search index is built once after the load, as a restore does: maintaining a GIN index
  // row by row would make the load, not the queries, the slow part. Same index afterwards.
  const { rows: index } = await client.query<{ def: string }>(
    "select pg_get_indexdef('private.message_search_idx'::regclass) as def"
  )
  await client.query("drop index private.message_search_idx")
  const deadline = performance.now() + LOAD_TIME_LIMIT_MS
  let loaded = 0
  while (loaded < MESSAGES && performance.now() < deadline) {
    const from = loaded
    // One statement per chunk: the statement-level counter triggers fold it into the sessions.
    await client.query(`
      insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content,
        tool_calls, model, input_tokens, output_tokens, created_at)
      select s.id, s.user_id, s.device_id, i / ${SESSIONS}, case when i % 2 = 0 then 'user' else 'assistant' end,
             ${WORDS.map((prime) => `'term' || ((i::bigint * ${prime}) % ${VOCABULARY})`).join(" || ' ' || ")}
               || case when i % 10 = 0 then ' ${COMMON_WORD} skips rows' else ' the answer' end,
             case when i % 97 = 0 then '[{"id": "call", "type": "function"}]'::jsonb end,
             s.model, case when i % 2 = 1 then 600 else 0 end, case when i % 2 = 1 then 200 else 0 end,
             s.created_at + make_interval(secs => i / ${SESSIONS})
        from generate_series(${from}, ${from + CHUNK - 1}) as i
        join public.cloud_sessions s on s.id = md5('bench-list-session-' || (1 + i % ${SESSIONS}))::uuid
    `)
    loaded += CHUNK
    process.stdout.write(`\r  load: ${loaded.toLocaleString("en")} messages`)
  }
  // The chunks are larger than what is indexed on insert: their vectors are pending, as after
  // a device's bulk sync, until the indexer the device API runs has caught up.
  const indexStarted = performance.now()
  await client.query("select private.index_message_search(null)")
  await client.query(index[0]!.def)
  console.log(
    `\r  load: search vectors computed and GIN index rebuilt in ${((performance.now() - indexStarted) / 1000).toFixed(0)} s`
  )
  await client.query("vacuum analyze private.message_search")
  await client.query("vacuum analyze public.cloud_messages")
  await client.query("vacuum analyze public.cloud_sessions")
  console.log(
    `  load: ${SESSIONS.toLocaleString("en")} sessions, ${loaded.toLocaleString("en")} messages in ${((performance.now() - started) / 1000).toFixed(0)} s${loaded < MESSAGES ? " (time limit reached)" : ""}`
  )
}

/** Times one statement as PostgREST runs a request: one round trip, claims, role, rollback. */
async function time(client: pg.Client, sql: string, { asUser = true, runs = RUNS } = {}) {
  const request = asUser
    ? `begin; select set_config('request.jwt.claims', '${USER_CLAIMS}', true); set local role authenticated; ${sql}; rollback;`
    : `begin; ${sql}; rollback;`
  const samples: number[] = []
  let rows = 0
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    const replies = (await client.query(request)) as unknown as pg.QueryResult[]
    samples.push(performance.now() - started)
    rows = replies[asUser ? 3 : 1]?.rowCount ?? 0
  }

  return { p50: median(samples), p95: percentile(samples, 95), rows }
}

function report(
  label: string,
  result: { p50: number; p95: number; rows: number },
  target?: string
) {
  console.log(
    `  ${label} (${result.rows} rows), ${RUNS} requests: p50 ${formatMs(result.p50)}, p95 ${formatMs(result.p95)}${target ? ` (target p95 < ${target})` : ""}`
  )
}

/** The plans of every statement the request runs, nested ones included (auto_explain). */
async function explainNested(client: pg.Client, sql: string) {
  const plans: string[] = []
  const onNotice = (notice: { message?: string }) => {
    if (notice.message?.includes("plan:")) plans.push(notice.message)
  }
  client.on("notice", onNotice)
  try {
    await client.query("load 'auto_explain'")
    await client.query(
      "set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_nested_statements = on; set client_min_messages = log"
    )
    await client.query(
      `begin; select set_config('request.jwt.claims', '${USER_CLAIMS}', true); set local role authenticated; ${sql}; rollback;`
    )
  } finally {
    await client.query("reset client_min_messages; set auto_explain.log_min_duration = -1")
    client.off("notice", onNotice)
  }

  return plans
}

async function bench(url: string, { loaded }: { loaded: boolean }) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    if (loaded) console.log("  load: reusing the kept database")
    else await load(client)

    console.log("first page of /sessions:")
    const first = await time(client, "select * from public.list_sessions(max_rows => 51)")
    report("list_sessions, first page as the user", first, "100 ms")
    const { rows: deep } = await client.query<{ pinned: boolean; at: string; id: string }>(`
      select pinned_at is not null as pinned, updated_at::text as at, id::text
        from public.cloud_sessions where user_id = '${USER_ID}'
       order by pinned_at is not null desc, updated_at desc, id desc offset 5000 limit 1`)
    const cursor = deep[0]!
    report(
      "list_sessions, the page after row 5,000 (keyset)",
      await time(
        client,
        `select * from public.list_sessions(after_pinned => ${cursor.pinned}, after_at => '${cursor.at}', after_id => '${cursor.id}', max_rows => 51)`
      )
    )
    report(
      "list_sessions, filtered by device",
      await time(
        client,
        `select * from public.list_sessions(filter_device => '${DEVICE_ID}', max_rows => 51)`
      )
    )
    report(
      "list_sessions, with tool calls",
      await time(
        client,
        "select * from public.list_sessions(with_tool_calls => true, max_rows => 51)"
      )
    )
    const bare = await time(
      client,
      `select id, title, updated_at from public.cloud_sessions where user_id = '${USER_ID}' and deleted_at is null
        order by updated_at desc, id desc limit 51`,
      { asUser: false }
    )
    report("yardstick: the bare index read of 51 sessions, no RLS, no columns", bare)
    console.log(`  first page / yardstick: ${(first.p95 / bare.p95).toFixed(1)}x at p95`)
    record({
      name: "sessions-list.first_page.p95",
      label: "list_sessions first page p95 (yardstick: the bare index read)",
      value: first.p95,
      unit: "ms",
      yardstick: bare.p95,
      target: "p95 < 100 ms",
      check: (value) => value < 100,
    })

    console.log("search:")
    const search = await time(client, `select * from public.search_messages('${SEARCH_WORD}', 100)`)
    report(`search_messages('${SEARCH_WORD}') as the user`, search, "150 ms")
    const common = await time(
      client,
      `select * from public.search_messages('${COMMON_WORD}', 100)`,
      { runs: 5 }
    )
    // (20261203017000 bounds the ranking; before it every match was ranked: 2.4 s.)
    console.log(
      `  search_messages('${COMMON_WORD}'), a word in 10% of all messages (100,000 matches, the newest 1,000 ranked), 5 requests: p50 ${formatMs(common.p50)}, p95 ${formatMs(common.p95)}`
    )
    const { rows: matches } = await client.query<{ n: number }>(
      `select count(*)::int as n from private.message_search where search @@ websearch_to_tsquery('english', '${SEARCH_WORD}')`
    )
    const gin = await time(
      client,
      `select message_id from private.message_search where search @@ websearch_to_tsquery('english', '${SEARCH_WORD}')`,
      { asUser: false }
    )
    report(
      `yardstick: the bare GIN lookup of the ${matches[0]!.n.toLocaleString("en")} matches, no RLS, no ranking`,
      gin
    )
    console.log(`  search / yardstick: ${(search.p95 / gin.p95).toFixed(1)}x at p95`)
    record({
      name: "sessions-list.search.p95",
      label: `search_messages('${SEARCH_WORD}') p95 (yardstick: the bare GIN lookup)`,
      value: search.p95,
      unit: "ms",
      yardstick: gin.p95,
      target: "p95 < 150 ms",
      check: (value) => value < 150,
    })

    console.log("plans:")
    for (const [label, sql] of [
      ["search_messages", `select * from public.search_messages('${SEARCH_WORD}', 100)`],
      ["list_sessions, first page", "select * from public.list_sessions(max_rows => 51)"],
    ] as const) {
      const plans = await explainNested(client, sql)
      // The statements that read the chat tables: the function's own query (and, for search,
      // the security definer helper that does the matching); not the policies' small helpers.
      const reads = plans.filter(
        (plan) =>
          !plan.includes("Query Text: begin") &&
          /on (cloud_messages|cloud_sessions|message_search)/.test(plan)
      )
      console.log(`  ${label}:`)
      for (const plan of reads.length > 0 ? reads : ["(no plan logged)"]) {
        const lines = plan.split("\n")
        // The plan only: the query text is in the migration.
        const start = lines.findIndex((line) => /^\S.*\(cost=/.test(line))
        for (const line of lines.slice(Math.max(start, 0))) console.log(`    ${line}`)
        console.log()
      }
    }
  } finally {
    await client.end()
  }
}

const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) {
  console.error(
    "bench:sessions:list: set DATABASE_URL to a Postgres server (a throwaway database is created on it)"
  )
  process.exit(1)
}
const keep = process.env.BENCH_KEEP_DATABASE
if (keep !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(keep)) {
  console.error("bench:sessions:list: BENCH_KEEP_DATABASE is a lower-case database name")
  process.exit(1)
}
const name = keep ?? `lmx_bench_sessions_list_${process.pid}_${randomBytes(3).toString("hex")}`
const admin = new pg.Client({ connectionString: databaseUrl })
await admin.connect()
const { rowCount: existing } = await admin.query("select 1 from pg_database where datname = $1", [
  name,
])
// A kept database counts as loaded once its bench user exists (an interrupted load is redone).
let loaded = false
if (existing === 0) await admin.query(`create database ${name}`)
const url = new URL(databaseUrl)
url.pathname = `/${name}`
try {
  console.log("bench:sessions:list: the sessions page's list and search (Postgres)")
  if (existing) {
    const probe = new pg.Client({ connectionString: url.toString() })
    await probe.connect()
    try {
      const { rows } = await probe.query<{ n: number }>(
        "select count(*)::int as n from public.cloud_messages"
      )
      loaded = rows[0]!.n > 0
    } catch {
      loaded = false
    } finally {
      await probe.end()
    }
    if (!loaded) {
      await admin.query(`drop database ${name} with (force)`)
      await admin.query(`create database ${name}`)
    }
  }
  if (loaded) {
    // Only the migrations added since the load (prepareDatabase skips applied ones).
    const db = await openDatabase({ engine: "postgres", url: url.toString(), poolSize: 1 })
    try {
      await prepareDatabase(db, {
        migrationsDir: path.join(root, "supabase/migrations"),
        seedFiles: [],
      })
    } finally {
      await db.close()
    }
  } else await prepare(url.toString())
  await bench(url.toString(), { loaded })
} finally {
  if (!keep) await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}
