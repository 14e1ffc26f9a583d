// `npm run bench`: every bench in sequence, each in its own process exactly as its own npm
// script runs it, then one table of every figure with its same-run yardstick and ratio.
// bench-results/latest.json (git-ignored) is started afresh and each bench adds its figures
// to it (scripts/bench/report.ts). A bench that fails is reported and the next one runs.
//   npm run bench                  every bench, at the sizes below
//   npm run bench -- db rest       only those
// The sizes are smaller than each bench's own default so the whole run stays within about
// half an hour on a shared machine; set any of the variables below to override them, e.g.
// BENCH_QUEUE_RUNS=100000 for the queue figure issue #19 quotes.
import { spawnSync } from "node:child_process"
import os from "node:os"
import path from "node:path"

import { readFigures, resetResults, RESULTS_FILE } from "./report"

type Bench = { name: string; script: string; args?: string[] }

// Adding a bench is one line here (its figures appear once it calls record()).
const BENCHES: Bench[] = [
  { name: "db", script: "db.ts" },
  { name: "rest", script: "rest.ts" },
  { name: "realtime", script: "realtime.ts" },
  { name: "startup", script: "startup.ts" },
  { name: "auth", script: "auth.ts" },
  { name: "pages", script: "pages.ts", args: ["--requests", "40"] },
  { name: "projects", script: "projects.ts" },
  { name: "projects:accept", script: "projects-accept.ts" },
  { name: "sessions:sync", script: "sessions-sync.ts", args: ["3"] },
  { name: "sessions:list", script: "sessions-list.ts" },
  { name: "sessions:detail", script: "sessions-detail.ts", args: ["--requests", "20"] },
  { name: "sessions:realtime", script: "sessions-realtime.ts" },
  { name: "usage", script: "usage.ts" },
  { name: "storage", script: "storage.ts" },
  { name: "runs:worker", script: "runs-worker.ts" },
  { name: "runs:pages", script: "runs-pages.ts" },
  { name: "runs:cancel", script: "worker-cancel.ts" },
  { name: "chat", script: "chat.ts", args: ["20"] },
]

const SIZES: Record<string, string> = {
  BENCH_QUEUE_RUNS: "50000",
  BENCH_DB_MESSAGES: "200000",
  BENCH_USAGE_MESSAGES: "200000",
  BENCH_ROUNDS: "20",
}

const root = path.resolve(import.meta.dirname, "../..")
const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name))
if (unknown.length > 0) {
  console.error(
    `bench: unknown ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`
  )
  process.exit(2)
}
const selected = wanted.length === 0 ? BENCHES : BENCHES.filter((b) => wanted.includes(b.name))
const env = { ...process.env }
for (const [name, value] of Object.entries(SIZES)) env[name] ??= value
if (!env.DATABASE_URL) {
  console.warn("bench: DATABASE_URL is not set; the Postgres benches will say so and be skipped")
}

resetResults()
const failed: string[] = []
const started = performance.now()
for (const bench of selected) {
  console.log(`\n=== ${bench.name} (load average ${os.loadavg()[0]!.toFixed(2)})`)
  const benchStarted = performance.now()
  const result = spawnSync(
    path.join(root, "node_modules/.bin/tsx"),
    [path.join(root, "scripts/bench", bench.script), ...(bench.args ?? [])],
    { cwd: root, env, stdio: "inherit" }
  )
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0)
  if (result.status !== 0) {
    failed.push(bench.name)
    console.log(
      `=== ${bench.name}: FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`
    )
  } else {
    console.log(`=== ${bench.name}: ${seconds} s`)
  }
}

const { figures, load } = readFigures()
const cell = (value: number | null, digits = 2) =>
  value === null || !Number.isFinite(value)
    ? "—"
    : value.toLocaleString("en", { maximumFractionDigits: digits })
console.log(`\nAll figures (${RESULTS_FILE}):`)
console.table(
  figures.map((f) => ({
    name: f.name,
    value: `${cell(f.value)} ${f.unit}`,
    yardstick: f.yardstick === null ? "—" : `${cell(f.yardstick)} ${f.unit}`,
    ratio: cell(f.ratio),
    target: f.target ?? "—",
    met: f.met === null ? "—" : f.met ? "yes" : "NO",
  }))
)
console.log(
  `load average when each bench finished: ${
    Object.entries(load)
      .map(([name, value]) => `${name} ${value}`)
      .join(", ") || "—"
  }; whole run ${((performance.now() - started) / 60_000).toFixed(1)} min`
)
const silent = selected.filter(
  (b) =>
    !failed.includes(b.name) && !figures.some((f) => f.name.startsWith(`${b.name.split(":")[0]}`))
)
if (silent.length > 0) {
  console.log(`recorded no figures yet: ${silent.map((b) => b.name).join(", ")}`)
}
if (failed.length > 0) {
  console.log(`failed: ${failed.join(", ")}`)
  process.exitCode = 1
}
