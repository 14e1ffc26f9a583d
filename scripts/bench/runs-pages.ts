// `npm run bench:runs:pages`: the runs pages on Postgres, for a user in 5 projects holding
// 100,000 runs, one of which has a 100,000-line log (step groups every 1,000 lines, ANSI
// colours). Prints, as medians and p95:
//   - /runs/<id> server response (the whole streamed HTML: header, outline and the log's tail)
//     and its first bytes; first contentful paint in Chromium (when Chromium is there);
//   - the log search as the page runs it (ops.search_run_log through the REST API);
//   - the /runs first page as the page reads it (ops.list_runs through the REST API) and the
//     /runs server response;
// each beside a same-run yardstick, the raw SQL of the same read as the user under RLS over
// one Postgres connection, and their ratio: absolute figures mean little on a loaded machine.
//   DATABASE_URL=postgres://… npm run bench:runs:pages [-- --requests 40] [-- --build]
// It serves the production build in .next (from an e2e run on the same E2E_* ports; --build
// builds it first) against a local stack on a throwaway Postgres database.
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { loadavg } from "node:os"
import path from "node:path"
import { parseArgs } from "node:util"

import { startLocalStack } from "@lmx/supabase-local/stack"
import { createThrowawayDatabase } from "@lmx/supabase-local/testing/throwaway-database"
import { createServerClient } from "@supabase/ssr"
import { createClient } from "@supabase/supabase-js"
import pg from "pg"
import WebSocket from "ws"
import { z } from "zod"

import { E2E_APP_PORT, E2E_APP_URL, E2E_STACK_PORT } from "../../e2e/fixtures/urls"
import { type Database } from "../../lib/database.types"
import { DEFAULT_RUN_FILTERS } from "../../lib/runs/filters"
import { listRuns, searchRunLog } from "../../lib/runs/queries"
import { sessionCookieOptions } from "../../lib/supabase/cookie-options"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next")
const PROJECTS = 5
const RUNS = 100_000
const LINES = 100_000
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "40" },
    paints: { type: "string", default: "7" },
    build: { type: "boolean", default: false },
  },
})
const REQUESTS = z.coerce.number().int().min(5).max(1000).parse(values.requests)
const PAINTS = z.coerce.number().int().min(1).max(50).parse(values.paints)
const adminUrl = process.env.DATABASE_URL
if (!adminUrl)
  throw new Error("Set DATABASE_URL to a Postgres server (the bench makes a throwaway database).")
// Node 20 has no global WebSocket, and supabase-js builds its Realtime client eagerly.
const transport = WebSocket as unknown as typeof globalThis.WebSocket

// The build inlines NEXT_PUBLIC_SUPABASE_URL and the anon key: reuse the e2e run's stack
// identity (same port, same shared secret) so that build talks to this stack.
const e2eStateFile = path.join(root, ".local", "e2e", "stack.json")
const e2eState = existsSync(e2eStateFile)
  ? z
      .object({ anonKey: z.string(), jwtSecret: z.string() })
      .parse(JSON.parse(readFileSync(e2eStateFile, "utf8")))
  : null

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [nextBin, ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  })
}

async function waitFor(url: string, child: ChildProcess) {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`next exited with ${child.exitCode}`)
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) })

      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  }
  throw new Error(`${url} did not answer`)
}

/** The data: 5 projects, a workflow each, 100,000 runs, and one run with a 100,000-line log. */
async function seed(sql: pg.Client, userId: string): Promise<{ bigRun: string }> {
  await sql.query(
    `insert into ops.projects (id, name, created_by)
     select md5('bench-project-' || p)::uuid, 'Bench project ' || p, $1 from generate_series(1, $2) p`,
    [userId, PROJECTS]
  )
  await sql.query(
    `insert into ops.project_memberships (project_id, user_id, role)
     select md5('bench-project-' || p)::uuid, $1, 'owner' from generate_series(1, $2) p`,
    [userId, PROJECTS]
  )
  await sql.query(
    `insert into ops.workflows (id, project_id, name, kind, created_by)
     select md5('bench-workflow-' || p)::uuid, md5('bench-project-' || p)::uuid, 'build-' || p, 'build', $1
       from generate_series(1, $2) p`,
    [userId, PROJECTS]
  )
  // Mostly finished runs over a year; the newest hundred still queued.
  await sql.query(
    `insert into ops.runs (id, project_id, workflow_id, status, requested_by, queued_at, started_at,
       finished_at, exit_code, attempts, claimed_at)
     select md5('bench-run-' || i)::uuid, md5('bench-project-' || (1 + i % $2))::uuid,
            md5('bench-workflow-' || (1 + i % $2))::uuid,
            case when i > $3 - 100 then 'queued' else 'succeeded' end, $1,
            now() - (($3 - i) * interval '5 minutes'),
            case when i > $3 - 100 then null else now() - (($3 - i) * interval '5 minutes') + interval '10 seconds' end,
            case when i > $3 - 100 then null else now() - (($3 - i) * interval '5 minutes') + interval '70 seconds' end,
            case when i > $3 - 100 then null else 0 end,
            case when i > $3 - 100 then 0 else 1 end,
            case when i > $3 - 100 then null else now() - (($3 - i) * interval '5 minutes') + interval '5 seconds' end
       from generate_series(1, $3) i`,
    [userId, PROJECTS, RUNS]
  )
  const bigRun = "0b0b0b0b-0000-4000-8000-000000000001"
  await sql.query(
    `insert into ops.runs (id, project_id, workflow_id, status, requested_by, queued_at, started_at,
       finished_at, exit_code, attempts, claimed_at)
     values ($1, md5('bench-project-1')::uuid, md5('bench-workflow-1')::uuid, 'failed', $2,
       now() - interval '2 hours', now() - interval '119 minutes', now() - interval '1 hour', 1, 1,
       now() - interval '119 minutes')`,
    [bigRun, userId]
  )
  await sql.query(
    `insert into ops.run_logs (run_id, project_id, line_no, stream, line, logged_at)
     select $1, md5('bench-project-1')::uuid, k,
            case when k % 1000 = 1 or k % 1000 = 0 then 'system' when k % 97 = 0 then 'stderr' else 'stdout' end,
            case when k % 1000 = 1 then '::group::Step ' || (k / 1000 + 1)
                 when k % 1000 = 0 then '::endgroup::'
                 when k % 97 = 0 then E'\\033[31merror\\033[0m: retrying request ' || k
                 when k % 13 = 0 then E'\\033[32m✓\\033[0m test ' || k || E' \\033[2m(12 ms)\\033[0m'
                 else 'compiling module ' || k || ' of ' || $2 end,
            now() - interval '119 minutes' + k * interval '30 milliseconds'
       from generate_series(1, $2) k`,
    [bigRun, LINES]
  )
  await sql.query(
    "analyze ops.runs; analyze ops.run_logs; analyze ops.workflows; analyze ops.projects"
  )

  return { bigRun }
}

async function main() {
  const database = await createThrowawayDatabase(adminUrl!, "lmx_bench_runs")
  const stack = await startLocalStack({
    root,
    storage: { engine: "postgres", url: database.url, poolSize: 10 },
    port: E2E_STACK_PORT,
    jwtSecret: e2eState?.jwtSecret,
  })
  const anonKey = e2eState?.anonKey ?? stack.keys.anonKey
  const env = {
    ...process.env,
    NEXT_PUBLIC_SUPABASE_URL: stack.url,
    NEXT_PUBLIC_SUPABASE_ANON_KEY: anonKey,
    NEXT_PUBLIC_SITE_URL: E2E_APP_URL,
    SUPABASE_JWT_SECRET: stack.keys.jwtSecret,
    NEXT_TELEMETRY_DISABLED: "1",
  }
  let next: ChildProcess | undefined
  try {
    if (values.build || !e2eState || !existsSync(path.join(root, ".next", "BUILD_ID"))) {
      console.log("Building the app (next build)…")
      const build = run(["build"], env)
      const code = await new Promise<number>((resolve) => build.on("exit", (c) => resolve(c ?? 1)))
      if (code !== 0) throw new Error(`next build exited with ${code}`)
    }

    const email = `bench-runs-${Date.now().toString(36)}@example.com`
    const password = "bench-runs-password"
    const created = await fetch(`${stack.url}/auth/v1/admin/users`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        apikey: stack.keys.serviceRoleKey,
        authorization: `Bearer ${stack.keys.serviceRoleKey}`,
      },
      body: JSON.stringify({ email, password, email_confirm: true }),
    })
    if (!created.ok) throw new Error(`creating the bench user failed: ${created.status}`)
    const user = createClient<Database>(stack.url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport },
    })
    const signedIn = await user.auth.signInWithPassword({ email, password })
    if (signedIn.error) throw signedIn.error
    const userId = signedIn.data.user.id

    const sql = new pg.Client({ connectionString: database.url })
    // Dropping the throwaway database ends this connection; the error that led there is the
    // one to report, not this one.
    sql.on("error", (error) => console.error(`[bench] connection: ${error.message}`))
    await sql.connect()
    const seeding = performance.now()
    const { bigRun } = await seed(sql, userId)
    console.log(
      `Seeded ${RUNS.toLocaleString("en")} runs in ${PROJECTS} projects and a ${LINES.toLocaleString("en")}-line log in ${formatMs(performance.now() - seeding)}`
    )

    const jar = new Map<string, string>()
    const ssr = createServerClient(stack.url, anonKey, {
      realtime: { transport },
      cookieOptions: sessionCookieOptions(E2E_APP_URL),
      cookies: {
        getAll: () => [...jar].map(([name, value]) => ({ name, value })),
        setAll: (cookies) => {
          for (const { name, value } of cookies) {
            if (value) jar.set(name, value)
            else jar.delete(name)
          }
        },
      },
    })
    const ssrSignIn = await ssr.auth.signInWithPassword({ email, password })
    if (ssrSignIn.error) throw ssrSignIn.error
    await ssr.auth.getSession()
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ")

    next = run(["start", "--port", String(E2E_APP_PORT), "--hostname", "127.0.0.1"], env)
    await waitFor(`${E2E_APP_URL}/sign-in`, next)

    // Raw SQL as this user under RLS, over one connection: the same-run yardstick.
    const claims = JSON.stringify({ sub: userId, role: "authenticated" })
    const asUser = async (text: string, params: unknown[]) => {
      const started = performance.now()
      await sql.query("begin")
      await sql.query("set local role authenticated")
      await sql.query("select set_config('request.jwt.claims', $1, true)", [claims])
      const result = await sql.query(text, params)
      await sql.query("commit")

      return { ms: performance.now() - started, rows: result.rowCount ?? 0 }
    }

    const timePage = async (url: string, mustContain: string) => {
      const started = performance.now()
      const response = await fetch(url, { headers: { cookie }, redirect: "manual" })
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let html = ""
      let firstChunk = Number.NaN
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        if (Number.isNaN(firstChunk)) firstChunk = performance.now() - started
        html += decoder.decode(value, { stream: true })
      }
      const total = performance.now() - started
      if (response.status !== 200 || !html.includes(mustContain))
        throw new Error(`${url} answered ${response.status} without "${mustContain}" (signed out?)`)

      return { total, firstChunk }
    }

    const runUrl = `${E2E_APP_URL}/runs/${bigRun}`
    const listUrl = `${E2E_APP_URL}/runs`
    const samples = {
      runPage: [] as number[],
      runFirst: [] as number[],
      listPage: [] as number[],
      listRead: [] as number[],
      listRaw: [] as number[],
      search: [] as number[],
      searchRaw: [] as number[],
      tailRaw: [] as number[],
    }
    const needle = () => `retrying request ${97 * (1 + Math.floor(Math.random() * 1000))}`
    const round = async (record: boolean) => {
      const runPage = await timePage(runUrl, "build-1")
      const listPage = await timePage(listUrl, "Bench project")
      let started = performance.now()
      const page = await listRuns(user, { filters: DEFAULT_RUN_FILTERS })
      const listRead = performance.now() - started
      if (page.runs.length !== 50) throw new Error("the first page came back short")
      const listRaw = await asUser("select id from ops.list_runs(max_rows => 51)", [])
      const query = needle()
      started = performance.now()
      const found = await searchRunLog(user, { runId: bigRun, query })
      const search = performance.now() - started
      if (found.total < 1) throw new Error(`the search for "${query}" found nothing`)
      const searchRaw = await asUser("select * from ops.search_run_log($1, $2)", [bigRun, query])
      const tailRaw = await asUser(
        "select line_no, attempt, stream, line, logged_at from ops.run_logs where run_id = $1 and line_no between $2 and $3 order by line_no",
        [bigRun, LINES - 999, LINES]
      )
      if (!record) return
      samples.runPage.push(runPage.total)
      samples.runFirst.push(runPage.firstChunk)
      samples.listPage.push(listPage.total)
      samples.listRead.push(listRead)
      samples.listRaw.push(listRaw.ms)
      samples.search.push(search)
      samples.searchRaw.push(searchRaw.ms)
      samples.tailRaw.push(tailRaw.ms)
    }
    for (let i = 0; i < 5; i++) await round(false)
    // Interleaved, so every figure and its yardstick see the same machine load.
    for (let i = 0; i < REQUESTS; i++) await round(true)
    await sql.end()

    const line = (label: string, list: number[], target = "") =>
      console.log(
        `  ${label}: median ${formatMs(median(list))}, p95 ${formatMs(percentile(list, 95))}${target ? `   (target p95 < ${target})` : ""}`
      )
    const ratio = (label: string, a: number[], b: number[]) =>
      console.log(`  ratio ${label} (p95): ${(percentile(a, 95) / percentile(b, 95)).toFixed(1)}×`)
    console.log(
      `\nRuns pages on Postgres, ${REQUESTS} requests each, load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(" ")}`
    )
    console.log(`/runs/[id], ${LINES.toLocaleString("en")}-line log:`)
    line(
      "server response (whole streamed HTML, tail of the log included)",
      samples.runPage,
      "200 ms"
    )
    line("first bytes", samples.runFirst)
    line("yardstick, raw SQL of the tail chunk (1,000 lines)", samples.tailRaw)
    ratio("page / tail SQL", samples.runPage, samples.tailRaw)
    line("log search (ops.search_run_log via REST)", samples.search, "100 ms")
    line("yardstick, raw SQL of the same search", samples.searchRaw)
    ratio("search REST / SQL", samples.search, samples.searchRaw)
    console.log(`/runs, a user in ${PROJECTS} projects with ${RUNS.toLocaleString("en")} runs:`)
    line("first page read (ops.list_runs via REST, 50 rows)", samples.listRead, "100 ms")
    line("yardstick, raw SQL of the same call", samples.listRaw)
    ratio("list REST / SQL", samples.listRead, samples.listRaw)
    line("server response of /runs", samples.listPage)

    const chromium =
      process.env.PLAYWRIGHT_CHROMIUM_PATH ??
      (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined)
    const { chromium: playwright } = await import("@playwright/test")
    const browser = await playwright.launch({
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-sync",
        "--no-first-run",
      ],
    })
    try {
      const context = await browser.newContext()
      await context.addCookies(
        [...jar].map(([name, value]) => ({
          name,
          value,
          domain: "127.0.0.1",
          path: "/",
          sameSite: "Lax" as const,
        }))
      )
      const paints: number[] = []
      const tails: number[] = []
      for (let i = 0; i < PAINTS + 1; i++) {
        const tab = await context.newPage()
        await tab.goto(runUrl, { waitUntil: "commit" })
        await tab.waitForLoadState("load")
        const fcp = await tab.evaluate(
          () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN
        )
        // When the log's last step was on screen (the page opens at the tail; finished steps
        // are folded, so the tail is the last step's header).
        await tab.locator(`[data-group="Step ${LINES / 1000}"]`).waitFor()
        const tail = await tab.evaluate(() => performance.now())
        // The first load warms the browser's cache of the app's scripts, as a returning user's is.
        if (i > 0) {
          paints.push(fcp)
          tails.push(tail)
        }
        await tab.close()
      }
      console.log(
        `  first contentful paint of /runs/[id] in Chromium: median ${formatMs(median(paints))}, worst ${formatMs(Math.max(...paints))}   (target < 1 s)`
      )
      console.log(
        `  the log's last step on screen: median ${formatMs(median(tails))}, worst ${formatMs(Math.max(...tails))}`
      )
    } finally {
      await browser.close()
    }
  } finally {
    next?.kill("SIGTERM")
    if (next && next.exitCode === null) await new Promise((resolve) => next!.once("exit", resolve))
    await stack.stop()
    await database.drop()
  }
}

await main()
