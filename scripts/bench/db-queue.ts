// The run queue's claim rate on Postgres: 8 workers (each its own connection and device
// token) claim one run at a time (or BENCH_QUEUE_BATCH at a time through
// ops.claim_next_runs), each claim a transaction as PostgREST runs it, until the queued runs
// are gone or the time bound is reached (leases of an hour, so none lapses mid-run and every
// run is claimed once). The yardstick, in the same run: the same 8 connections draining a
// table of the same shape (columns, checks, indexes) with a plain
// `update … (select … for no key update skip locked)` claim. The two queues are drained a
// fifth at a time in turns, and both print claims/s per fifth of the queue, since a queue
// that slows as it drains shows only at its end.
// Usage: DATABASE_URL=… tsx scripts/bench/db-queue.ts (BENCH_QUEUE_RUNS, default 100,000).
import { randomBytes } from "node:crypto"
import path from "node:path"
import { pathToFileURL } from "node:url"

import { openDatabase } from "@lmx/supabase-local/db/open"
import { prepareDatabase } from "@lmx/supabase-local/migrate"
import pg from "pg"

import { record, sizeFromEnv } from "./report"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const WORKERS = 8
const RUNS = sizeFromEnv("BENCH_QUEUE_RUNS", 100_000)
const BATCH = sizeFromEnv("BENCH_QUEUE_BATCH", 1)
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
      -- The yardstick's table: the same columns, checks and indexes, no triggers or policies.
      -- Its claim reads the textbook queue index, whatever index ops.runs claims through.
      create table public.bench_plain_runs (like ops.runs including defaults including constraints including indexes);
      create index bench_plain_runs_queue_idx on public.bench_plain_runs (priority desc, queued_at, id) where status = 'queued';
      insert into public.bench_plain_runs (project_id, workflow_id, queued_at)
        select '${PROJECT_ID}', '${WORKFLOW_ID}', now() - make_interval(secs => ${RUNS} - n)
        from generate_series(1, ${RUNS}) as n;
      analyze public.bench_plain_runs;
    `)
  } finally {
    await db.close()
  }
}

type WorkerResult = { ids: string[]; latencies: number[]; errors: number }

// One worker's share of a phase: claims until the phase's quota is taken, the queue is empty
// or the time bound is reached. The quota is shared, so a phase can overshoot it by at most
// one claim per worker.
async function work(
  client: pg.Client,
  index: number,
  quota: { left: number },
  deadline: number,
  sqlFor: (index: number) => string
): Promise<WorkerResult> {
  const sql = sqlFor(index)
  const result: WorkerResult = { ids: [], latencies: [], errors: 0 }
  try {
    while (quota.left > 0 && performance.now() < deadline) {
      const started = performance.now()
      const replies = (await client.query(sql)) as unknown as pg.QueryResult<{ id: string }>[]
      result.latencies.push(performance.now() - started)
      const rows = replies.find((reply) => reply.fields?.[0]?.name === "id")?.rows ?? []
      if (rows.length === 0) break
      quota.left -= rows.length
      for (const row of rows) result.ids.push(row.id)
    }
  } catch (error) {
    result.errors += 1
    console.error(`  worker ${index}: ${error instanceof Error ? error.message : String(error)}`)
    // A failed claim leaves its transaction open on this connection; the next phase must not
    // run inside it.
    await client.query("rollback").catch(() => undefined)
  }

  return result
}

// One round trip per claim: the same statements PostgREST sends, as one simple query.
function functionClaim(index: number): string {
  const claims = JSON.stringify({
    sub: USER_ID,
    role: "authenticated",
    aud: "authenticated",
    device_id: deviceId(index),
  })
  const call =
    BATCH === 1
      ? "select id from ops.claim_next_run(null, 3600)"
      : `select id from ops.claim_next_runs(${BATCH}, null, 3600)`
  return `begin;
    select set_config('request.jwt.claims', '${claims}', true);
    set local role authenticated;
    ${call};
    commit;`
}

// The yardstick: the textbook claim on a table of the same shape, committed asynchronously
// as the function's claim is.
function plainClaim(index: number): string {
  return `begin;
    set local synchronous_commit = off;
    update public.bench_plain_runs r
       set status = 'claimed', claimed_by = '${deviceId(index)}', claimed_at = now(),
           lease_expires_at = now() + interval '1 hour', attempts = r.attempts + 1
      from (select id from public.bench_plain_runs
             where status = 'queued'
             order by priority desc, queued_at, id
             limit ${BATCH}
               for no key update skip locked) c
     where r.id = c.id
    returning r.id;
    commit;`
}

type Drain = {
  claims: number
  unique: number
  elapsedMs: number
  rate: number
  fifths: number[]
  latencies: number[]
  perWorker: number[]
  errors: number
  timedOut: boolean
}

type Phase = {
  ids: string[]
  elapsedMs: number
  latencies: number[]
  perWorker: number[]
  errors: number
}

async function phase(
  clients: pg.Client[],
  quota: number,
  deadline: number,
  sqlFor: (index: number) => string
): Promise<Phase> {
  const shared = { left: quota }
  const started = performance.now()
  const results = await Promise.all(
    clients.map((client, i) => work(client, i, shared, deadline, sqlFor))
  )
  return {
    ids: results.flatMap((r) => r.ids),
    elapsedMs: performance.now() - started,
    latencies: results.flatMap((r) => r.latencies),
    perWorker: results.map((r) => r.ids.length),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  }
}

function summarize(phases: Phase[], deadline: number): Drain {
  const ids = phases.flatMap((p) => p.ids)
  const elapsedMs = phases.reduce((sum, p) => sum + p.elapsedMs, 0)
  return {
    claims: ids.length,
    unique: new Set(ids).size,
    elapsedMs,
    rate: ids.length / (elapsedMs / 1000),
    fifths: phases.map((p) => p.ids.length / (p.elapsedMs / 1000)),
    latencies: phases.flatMap((p) => p.latencies),
    perWorker: Array.from({ length: WORKERS }, (_, w) =>
      phases.reduce((sum, p) => sum + (p.perWorker[w] ?? 0), 0)
    ),
    errors: phases.reduce((sum, p) => sum + p.errors, 0),
    timedOut: performance.now() >= deadline,
  }
}

// Both queues drained a fifth at a time, taking turns (plain first in fifths 1, 3 and 5,
// the function first in 2 and 4) on the same 8 connections, so each fifth's ratio compares
// two phases run seconds apart on the same machine state. Draining one whole queue and then
// the other put minutes between the pair: one burst of the shared machine in the yardstick's
// second fifth once made that fifth read 0.56 while the others read 0.71 to 1.05.
async function drainInTurns(url: string): Promise<{ plain: Drain; claimed: Drain }> {
  const clients = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      return client
    })
  )
  const deadline = performance.now() + 2 * TIME_LIMIT_MS
  const plain: Phase[] = []
  const claimed: Phase[] = []
  try {
    for (let i = 0; i < 5; i++) {
      // The last fifth takes whatever is left, so both queues end empty.
      const quota = i === 4 ? Number.POSITIVE_INFINITY : Math.ceil(RUNS / 5)
      const turns = [
        () => phase(clients, quota, deadline, plainClaim).then((p) => plain.push(p)),
        () => phase(clients, quota, deadline, functionClaim).then((p) => claimed.push(p)),
      ]
      if (i % 2 === 1) turns.reverse()
      for (const turn of turns) await turn()
    }
  } finally {
    await Promise.all(clients.map((client) => client.end()))
  }
  return { plain: summarize(plain, deadline), claimed: summarize(claimed, deadline) }
}

export async function runDbQueueBench(databaseUrl: string): Promise<void> {
  const name = `lmx_bench_queue_${process.pid}_${randomBytes(3).toString("hex")}`
  await withAdmin(databaseUrl, (admin) => admin.query(`create database ${name}`))
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  try {
    console.log(
      `db-queue: ${WORKERS} workers claiming ${RUNS.toLocaleString("en")} runs ${BATCH === 1 ? "one at a time" : `${BATCH} at a time`}`
    )
    const setupStarted = performance.now()
    await prepare(url.toString())
    console.log(
      `  setup (migrations + 2 × ${RUNS.toLocaleString("en")} queued runs): ${formatMs(performance.now() - setupStarted)}`
    )

    const { plain, claimed } = await drainInTurns(url.toString())

    const stats = await withAdmin(url.toString(), (client) =>
      client.query<{ claimed: number; reclaimed: number; queued: number }>(
        `select count(*) filter (where status = 'claimed')::int as claimed,
                count(*) filter (where attempts > 1)::int as reclaimed,
                count(*) filter (where status = 'queued')::int as queued
           from ops.runs`
      )
    )
    const row = stats.rows[0]!

    for (const [label, run] of [
      ["plain claim (yardstick)", plain],
      ["ops.claim_next_run" + (BATCH === 1 ? "" : `s(${BATCH})`), claimed],
    ] as const) {
      console.log(
        `  ${label}: ${run.claims.toLocaleString("en")} claims in ${(run.elapsedMs / 1000).toFixed(2)} s${run.timedOut ? " (time limit reached)" : ""}, ${run.rate.toFixed(0)}/s`
      )
      console.log(
        `    per call: p50 ${formatMs(median(run.latencies))}, p95 ${formatMs(percentile(run.latencies, 95))}, p99 ${formatMs(percentile(run.latencies, 99))}; per worker: ${run.perWorker.join(", ")}`
      )
      console.log(
        `    claims/s by fifth of the queue: ${run.fifths.map((r) => r.toFixed(0)).join(", ")}`
      )
      if (run.errors > 0) console.log(`    worker errors: ${run.errors}`)
    }

    record({
      name: "db-queue.claims_per_s",
      label: "claims/s, whole queue",
      value: claimed.rate,
      unit: "claims/s",
      yardstick: plain.rate,
      target: "≥ 2,000/s and ≥ 60% of the plain claim",
      check: (value, ratio) => value >= 2000 && (ratio ?? 0) >= 0.6,
    })
    claimed.fifths.forEach((rate, i) => {
      record({
        name: `db-queue.claims_per_s.fifth_${i + 1}`,
        label: `claims/s, fifth ${i + 1} of the queue`,
        value: rate,
        unit: "claims/s",
        yardstick: plain.fifths[i] ?? null,
        target: "≥ 2,000/s and ≥ 60% of the plain claim",
        check: (value, ratio) => value >= 2000 && (ratio ?? 0) >= 0.6,
      })
    })
    record({
      name: "db-queue.double_claims",
      label: "double claims",
      value: claimed.claims - claimed.unique + row.reclaimed,
      unit: "runs",
      target: "0",
      check: (value) => value === 0,
    })
    console.log(
      `  in the database: ${row.claimed.toLocaleString("en")} claimed, ${row.reclaimed} claimed more than once, ${row.queued} still queued`
    )
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
