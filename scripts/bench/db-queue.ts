// The run queue's claim rate on Postgres: 8 workers (each its own connection and device
// token) claim one run at a time, each claim a transaction as PostgREST runs it, until
// 100,000 queued runs are gone or the time bound is reached (leases of an hour, so none
// lapses mid-run and every run is claimed once). Prints claims/s, per-claim
// latency and the double-claim check. Usage: DATABASE_URL=… tsx scripts/bench/db-queue.ts
import { randomBytes } from "node:crypto"
import path from "node:path"
import { pathToFileURL } from "node:url"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import pg from "pg"

import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const WORKERS = 8
const RUNS = 100_000
const TIME_LIMIT_MS = 180_000

const USER_ID = "0a000000-0000-4000-8000-0000000000b1"
const PROJECT_ID = "0b000000-0000-4000-8000-0000000000b1"
const WORKFLOW_ID = "0c000000-0000-4000-8000-0000000000b1"
const deviceId = (i: number) => `0d000000-0000-4000-8000-0000000002${String(i).padStart(2, "0")}`

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
      insert into auth.users (id, email, aud, role) values ('${USER_ID}', 'bench@queue.test', 'authenticated', 'authenticated');
      insert into public.devices (id, user_id, name)
        select ('0d000000-0000-4000-8000-0000000002' || lpad(i::text, 2, '0'))::uuid, '${USER_ID}', 'bench worker ' || i
        from generate_series(0, ${WORKERS - 1}) as i;
      insert into ops.projects (id, name, created_by) values ('${PROJECT_ID}', 'Queue bench', '${USER_ID}');
      insert into ops.workflows (id, project_id, name, kind) values ('${WORKFLOW_ID}', '${PROJECT_ID}', 'bench', 'test');
      insert into public.device_run_projects (device_id, project_id, user_id)
        select d.id, '${PROJECT_ID}', d.user_id from public.devices d where d.user_id = '${USER_ID}';
      insert into ops.runs (project_id, workflow_id, queued_at)
        select '${PROJECT_ID}', '${WORKFLOW_ID}', now() - make_interval(secs => ${RUNS} - n)
        from generate_series(1, ${RUNS}) as n;
      analyze ops.runs;
    `)
  } finally {
    await db.close()
  }
}

type WorkerResult = { ids: string[]; latencies: number[]; finishedAt: number[]; errors: number }

async function work(url: string, index: number, deadline: number): Promise<WorkerResult> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const claims = JSON.stringify({
    sub: USER_ID,
    role: "authenticated",
    aud: "authenticated",
    device_id: deviceId(index),
  })
  // One round trip per claim: the same statements PostgREST sends, as one simple query.
  const sql = `begin;
    select set_config('request.jwt.claims', '${claims}', true);
    set local role authenticated;
    select id from ops.claim_next_run(null, 3600);
    commit;`
  const result: WorkerResult = { ids: [], latencies: [], finishedAt: [], errors: 0 }
  try {
    while (performance.now() < deadline) {
      const started = performance.now()
      const replies = (await client.query(sql)) as unknown as pg.QueryResult<{ id: string }>[]
      result.latencies.push(performance.now() - started)
      const id = replies[3]?.rows[0]?.id
      if (!id) break
      result.ids.push(id)
      result.finishedAt.push(performance.now())
    }
  } catch (error) {
    result.errors += 1
    console.error(`  worker ${index}: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await client.end()
  }

  return result
}

// What this machine does at all right now: the same 8 connections committing a one-row
// insert each (asynchronously, as a claim commits), for a few seconds. Claims can only
// approach this rate; on a shared, loaded machine it says how much of the gap is the machine.
async function measureReference(url: string): Promise<number> {
  await withAdmin(url, (client) =>
    client.query(
      "create table public.bench_reference (id bigint generated always as identity primary key, at timestamptz default now())"
    )
  )
  const until = performance.now() + 5000
  const counts = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      let n = 0
      try {
        while (performance.now() < until) {
          await client.query(
            "begin; set local synchronous_commit = off; insert into public.bench_reference default values; commit;"
          )
          n += 1
        }
      } finally {
        await client.end()
      }
      return n
    })
  )

  return counts.reduce((a, b) => a + b, 0) / 5
}

export async function runDbQueueBench(databaseUrl: string): Promise<void> {
  const name = `lmx_bench_queue_${process.pid}_${randomBytes(3).toString("hex")}`
  await withAdmin(databaseUrl, (admin) => admin.query(`create database ${name}`))
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  try {
    console.log(
      `db-queue: ${WORKERS} workers claiming ${RUNS.toLocaleString("en")} runs one at a time`
    )
    const setupStarted = performance.now()
    await prepare(url.toString())
    console.log(
      `  setup (migrations + ${RUNS.toLocaleString("en")} queued runs): ${formatMs(performance.now() - setupStarted)}`
    )

    const reference = await measureReference(url.toString())
    console.log(
      `  reference: ${WORKERS} connections committing one-row inserts: ${reference.toFixed(0)}/s`
    )

    const started = performance.now()
    const deadline = started + TIME_LIMIT_MS
    const results = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => work(url.toString(), i, deadline))
    )
    const elapsedMs = performance.now() - started

    const ids = results.flatMap((r) => r.ids)
    const unique = new Set(ids)
    const latencies = results.flatMap((r) => r.latencies)
    const stats = await withAdmin(url.toString(), (client) =>
      client.query<{ claimed: number; reclaimed: number; queued: number }>(
        `select count(*) filter (where status = 'claimed')::int as claimed,
                count(*) filter (where attempts > 1)::int as reclaimed,
                count(*) filter (where status = 'queued')::int as queued
           from ops.runs`
      )
    )
    const row = stats.rows[0]!
    const rate = ids.length / (elapsedMs / 1000)

    console.log(
      `  claims: ${ids.length.toLocaleString("en")} in ${(elapsedMs / 1000).toFixed(2)} s${performance.now() >= deadline ? " (time limit reached)" : ""}`
    )
    console.log(`  claims/s: ${rate.toFixed(0)} (target ≥ 2,000)`)
    console.log(
      `  per claim: p50 ${formatMs(median(latencies))}, p95 ${formatMs(percentile(latencies, 95))}, p99 ${formatMs(percentile(latencies, 99))}`
    )
    console.log(`  per worker: ${results.map((r) => r.ids.length).join(", ")}`)
    // Whether the rate holds as the queue drains (a queue index full of claimed entries
    // would slow every later claim down).
    const times = results.flatMap((r) => r.finishedAt).sort((a, b) => a - b)
    const fifth = Math.floor(times.length / 5)
    const rates = [0, 1, 2, 3, 4].map((i) => {
      const from = i === 0 ? started : times[i * fifth - 1]!
      const to = times[Math.min(times.length, (i + 1) * fifth) - 1]!
      return (fifth / ((to - from) / 1000)).toFixed(0)
    })
    if (fifth > 0) console.log(`  claims/s by fifth of the queue: ${rates.join(", ")}`)
    console.log(
      `  double claims: ${ids.length - unique.size} seen by workers; in the database ${row.claimed.toLocaleString("en")} claimed, ${row.reclaimed} claimed more than once, ${row.queued} still queued`
    )
    const errors = results.reduce((sum, r) => sum + r.errors, 0)
    if (errors > 0) console.log(`  worker errors: ${errors}`)
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
      "db-queue: set DATABASE_URL to a Postgres server (a throwaway database is created on it)"
    )
    process.exit(1)
  }
  await runDbQueueBench(databaseUrl)
}
