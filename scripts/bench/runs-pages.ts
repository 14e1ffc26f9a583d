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
import { loadavg } from "node:os"

import pg from "pg"

import { E2E_APP_URL } from "../../e2e/fixtures/urls"
import { DEFAULT_RUN_FILTERS } from "../../lib/runs/filters"
import { listRuns, searchRunLog } from "../../lib/runs/queries"
import { pageBenchArgs, startPageBench } from "./page-timing"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const PROJECTS = 5
const RUNS = 100_000
const LINES = 100_000
const args = pageBenchArgs()
const REQUESTS = args.requests
const PAINTS = args.paints

/** The data: 5 projects, a workflow each, 100,000 runs, and one run with a 100,000-line log. */
async function seed(sql: pg.Client, userId: string): Promise<{ bigRun: string }> {
  await sql.query(
    `insert into ops.projects (id, name, created_by)
     select md5('bench-project-' || p)::uuid, 'Bench project ' || p, $1 from generate_series(1, $2) p`,
    [userId, PROJECTS]
  )
  await sql.query(
    `insert into ops.project_memberships (project_id, user_id, role)
     select md5('bench-project-' || p)::uuid, $1, 'owner' from generate_series(1, $2) p
     -- A trigger already made the creator the owner; the insert states it for readers.
     on conflict do nothing`,
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
  const bench = await startPageBench({
    databasePrefix: "lmx_bench_runs",
    userPrefix: "bench-runs",
    build: args.build,
  })
  try {
    const { user, userId } = bench
    const sql = new pg.Client({ connectionString: bench.databaseUrl })
    // Dropping the throwaway database ends this connection; the error that led there is the
    // one to report, not this one.
    sql.on("error", (error) => console.error(`[bench] connection: ${error.message}`))
    await sql.connect()
    const seeding = performance.now()
    const { bigRun } = await seed(sql, userId)
    console.log(
      `Seeded ${RUNS.toLocaleString("en")} runs in ${PROJECTS} projects and a ${LINES.toLocaleString("en")}-line log in ${formatMs(performance.now() - seeding)}`
    )

    await bench.startNext()

    // Raw SQL as this user under RLS, over one connection: the same-run yardstick.
    const asUser = (text: string, params: unknown[]) => bench.asUser(sql, text, params)
    const timePage = (url: string, mustContain: string) => bench.timePage(url, mustContain)

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
      shell: [] as number[],
    }
    // A line k is "retrying request k" when k is a multiple of 97, unless it opens or closes a
    // group (k % 1000 is 1 or 0: 42,001 and 97,000), which the seed writes instead.
    const needle = () => {
      for (;;) {
        const k = 97 * (1 + Math.floor(Math.random() * Math.floor(LINES / 97)))
        if (k % 1000 > 1) return `retrying request ${k}`
      }
    }
    const round = async (keep: boolean) => {
      const runPage = await timePage(runUrl, "build-1")
      const listPage = await timePage(listUrl, "Bench project")
      // The console's own floor: a signed-in page that reads only the user (proxy, layout,
      // profile), rendered by the same server in the same moment.
      const shell = await timePage(`${E2E_APP_URL}/settings`, "Settings")
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
      if (!keep) return
      samples.runPage.push(runPage.total)
      samples.runFirst.push(runPage.firstChunk)
      samples.listPage.push(listPage.total)
      samples.listRead.push(listRead)
      samples.listRaw.push(listRaw.ms)
      samples.search.push(search)
      samples.searchRaw.push(searchRaw.ms)
      samples.tailRaw.push(tailRaw.ms)
      samples.shell.push(shell.total)
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
    line("yardstick, /settings (a console page reading only the user)", samples.shell)
    ratio("page / /settings", samples.runPage, samples.shell)
    line("log search (ops.search_run_log via REST)", samples.search, "100 ms")
    line("yardstick, raw SQL of the same search", samples.searchRaw)
    ratio("search REST / SQL", samples.search, samples.searchRaw)
    console.log(`/runs, a user in ${PROJECTS} projects with ${RUNS.toLocaleString("en")} runs:`)
    line("first page read (ops.list_runs via REST, 50 rows)", samples.listRead, "100 ms")
    line("yardstick, raw SQL of the same call", samples.listRaw)
    ratio("list REST / SQL", samples.listRead, samples.listRaw)
    line("server response of /runs", samples.listPage)
    ratio("/runs / /settings", samples.listPage, samples.shell)
    const p95 = (list: number[]) => percentile(list, 95)
    record({
      name: "runs-pages.run_page.p95",
      label: "/runs/[id] server response p95 (yardstick: raw SQL of the tail chunk)",
      value: p95(samples.runPage),
      unit: "ms",
      yardstick: p95(samples.tailRaw),
      target: "< 200 ms",
      check: (value) => value < 200,
    })
    record({
      name: "runs-pages.log_search.p95",
      label: "log search p95 (yardstick: raw SQL of the same search)",
      value: p95(samples.search),
      unit: "ms",
      yardstick: p95(samples.searchRaw),
      target: "< 100 ms",
      check: (value) => value < 100,
    })
    record({
      name: "runs-pages.list_first_page.p95",
      label: "/runs first page read p95 (yardstick: raw SQL of the same call)",
      value: p95(samples.listRead),
      unit: "ms",
      yardstick: p95(samples.listRaw),
      target: "< 100 ms",
      check: (value) => value < 100,
    })

    await bench.withChromium(async (context) => {
      const paints: number[] = []
      const responses: number[] = []
      const shellPaints: number[] = []
      const tails: number[] = []
      const paintOf = async (url: string) => {
        const tab = await context.newPage()
        await tab.goto(url, { waitUntil: "commit" })
        await tab.waitForLoadState("load")
        const timing = await tab.evaluate(() => ({
          fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
          // When the HTML's first bytes arrived: what the server's part of the paint is.
          response:
            (
              performance.getEntriesByType("navigation")[0] as
                PerformanceNavigationTiming | undefined
            )?.responseStart ?? Number.NaN,
        }))

        return { tab, ...timing }
      }
      for (let i = 0; i < PAINTS + 1; i++) {
        // Same-run yardstick: the paint of a console page that reads only the user.
        const shell = await paintOf(`${E2E_APP_URL}/settings`)
        await shell.tab.close()
        const { tab, fcp, response } = await paintOf(runUrl)
        // When the log's last step was on screen (the page opens at the tail; finished steps
        // are folded, so the tail is the last step's header).
        await tab.locator(`[data-group="Step ${LINES / 1000}"]`).waitFor()
        const tail = await tab.evaluate(() => performance.now())
        // The first load warms the browser's cache of the app's scripts, as a returning user's is.
        if (i > 0) {
          paints.push(fcp)
          responses.push(response)
          shellPaints.push(shell.fcp)
          tails.push(tail)
        }
        await tab.close()
      }
      record({
        name: "runs-pages.run_page_fcp.median",
        label: "first contentful paint of /runs/[id] in Chromium, median",
        value: median(paints),
        unit: "ms",
        target: "< 1000 ms",
        check: (value) => value < 1000,
      })
      console.log(`  (worst ${formatMs(Math.max(...paints))})`)
      console.log(`  of which the HTML's first bytes: median ${formatMs(median(responses))}`)
      console.log(
        `  yardstick, first contentful paint of /settings: median ${formatMs(median(shellPaints))}; ratio ${(median(paints) / median(shellPaints)).toFixed(2)}×`
      )
      console.log(
        `  the log's last step on screen: median ${formatMs(median(tails))}, worst ${formatMs(Math.max(...tails))}`
      )
    })
  } finally {
    await bench.stop()
  }
}

await main()
