// `npm run bench:startup`: how long the local stack takes from process start to a healthy
// /health, on a fresh PGlite directory (cold: bootstrap, migrations, seed) and on existing
// data (warm), and until its first REST answer. Medians of 5 runs each, measured as a user
// starting it would see it, with the boot phases the stack reports (Node's start, loading the
// code, PGlite's open, bootstrap and migrations, the seed, keys). Yardsticks measured in
// the same run: `node -e 0`, and PGlite opening an existing directory alone (bare, and with the
// extensions the stack loads).
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { record } from "./report"
import { formatMs, median } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
// BENCH_RUNS=1 for a quick look.
const RUNS = Number(process.env.BENCH_RUNS) || 5
// The command a user runs (`npm run supabase:local`), without npm's own start-up in the figure.
const STACK_BIN = path.join(root, "packages/supabase-local/bin/supabase-local.js")
const PACKAGE_DIR = path.join(root, "packages/supabase-local")

type Start = {
  healthy: number
  firstRest: number
  phases: Record<string, number>
}

function startOnce(dataDir: string): Promise<Start> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [STACK_BIN, "--port", "0", "--data-dir", dataDir], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    let errors = ""
    let asked = false
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()))
    child.stdout.on("data", async (chunk: Buffer) => {
      output += chunk.toString()
      const url = /API URL: (http:\/\/\S+)/.exec(output)?.[1]
      const serviceKey = /service_role key: (\S+)/.exec(output)?.[1]
      if (!url || !serviceKey || asked) return
      asked = true
      try {
        const response = await fetch(`${url}/health`)
        const healthy = performance.now() - started
        if (!response.ok) throw new Error(`health answered ${response.status}`)
        // A first REST answer: the schema description, read from the schema cache.
        const rest = await fetch(`${url}/rest/v1/`, {
          headers: { apikey: serviceKey, authorization: `Bearer ${serviceKey}` },
        })
        await rest.arrayBuffer()
        const firstRest = performance.now() - started
        const phases: Record<string, number> = {}
        const line = /started in \d+ ms[^(]*\((.*)\)\./.exec(output)?.[1] ?? ""
        for (const [, phase, ms] of line.matchAll(/([^,]+?) (\d+) ms/g)) {
          phases[phase!.trim()] = Number(ms)
        }
        child.kill("SIGINT")
        child.once("exit", () => resolve({ healthy, firstRest, phases }))
      } catch (error) {
        child.kill("SIGINT")
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
    child.on("exit", (code) => {
      if (code !== 0 && code !== null && !output.includes("API URL"))
        reject(new Error(`stack exited with ${code}: ${errors}`))
    })
  })
}

/** Milliseconds from spawning `node args` to its exit. */
function timeNode(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd: PACKAGE_DIR, stdio: "inherit" })
    child.on("exit", (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`exit ${code}`))
    )
  })
}

// The yardstick for PGlite: a plain script that opens an existing directory and closes it.
const PGLITE_OPEN = `
import { PGlite } from "@electric-sql/pglite"
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto"
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm"
const withExtensions = process.argv[3] === "extensions"
const pg = await PGlite.create({ dataDir: process.argv[2], ...(withExtensions ? { extensions: { pgcrypto, pg_trgm } } : {}) })
await pg.query("select 1")
await pg.close()
`

// The caches a new checkout does not have: the initdb image (packages/supabase-local/db/
// pglite.ts) and the bundle of the stack's code (packages/supabase-local/bin/bundle.js).
const cacheDir = path.join(PACKAGE_DIR, ".local/cache")
const buildDir = path.join(PACKAGE_DIR, ".local/build")
function dropCaches() {
  try {
    for (const entry of readdirSync(cacheDir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.includes("initdb")) {
        rmSync(path.join(cacheDir, entry.name), { force: true })
      }
    }
  } catch {
    // no cache yet
  }
  rmSync(buildDir, { recursive: true, force: true })
}

// The spare copy of the migrated template a new directory is renamed from
// (packages/supabase-local/db/migrated-image.ts); without it a new directory copies the template.
function dropSpares() {
  try {
    for (const entry of readdirSync(cacheDir)) {
      if (entry.endsWith(".spare"))
        rmSync(path.join(cacheDir, entry), { recursive: true, force: true })
    }
  } catch {
    // no cache yet
  }
}

const first: Start[] = []
const cold: Start[] = []
const coldCopy: Start[] = []
const warm: Start[] = []
const nodeAlone: number[] = []
const pgliteBare: number[] = []
const pgliteExtensions: number[] = []
const scratch = mkdtempSync(path.join(tmpdir(), "lmx-bench-startup-"))
const openScript = path.join(PACKAGE_DIR, ".local", `bench-pglite-open-${process.pid}.mjs`)
// A fresh checkout has no .local yet.
mkdirSync(path.dirname(openScript), { recursive: true })
writeFileSync(openScript, PGLITE_OPEN)
try {
  for (let run = 0; run < RUNS; run++) {
    const dataDirs = [1, 2, 3].map(() => mkdtempSync(path.join(scratch, "data-")))
    dropCaches()
    first.push(await startOnce(dataDirs[0]!))
    dropSpares()
    coldCopy.push(await startOnce(dataDirs[2]!))
    cold.push(await startOnce(dataDirs[1]!))
    warm.push(await startOnce(dataDirs[1]!))
    nodeAlone.push(await timeNode(["-e", "0"]))
    pgliteBare.push(await timeNode([openScript, dataDirs[1]!]))
    pgliteExtensions.push(await timeNode([openScript, dataDirs[1]!, "extensions"]))
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
  rmSync(openScript, { force: true })
}

const runs = (samples: number[]) => samples.map(formatMs).join(", ")
const line = (label: string, samples: number[]) =>
  `  ${label.padEnd(46)} median ${formatMs(median(samples))}  runs: ${runs(samples)}`
const phaseLine = (starts: Start[]) => {
  const names = [...new Set(starts.flatMap((start) => Object.keys(start.phases)))]
  return `      phases (median): ${names
    .map((name) => `${name} ${formatMs(median(starts.map((start) => start.phases[name] ?? 0)))}`)
    .join(", ")}`
}
const node = median(nodeAlone)
const bare = median(pgliteBare)
const ratio = (samples: number[]) =>
  `${(median(samples) / node).toFixed(1)}× node -e 0, ${(median(samples) / bare).toFixed(2)}× a bare PGlite open`

console.log(`Local stack startup (PGlite, process start → healthy), ${RUNS} runs each`)
for (const [label, starts] of [
  ["first boot of a checkout (no initdb image, no bundle):", first],
  ["cold (fresh data directory):", cold],
  ["cold without the template's spare copy:", coldCopy],
  ["warm (existing data):", warm],
] as const) {
  const healthy = starts.map((start) => start.healthy)
  console.log(line(label, healthy))
  console.log(
    `      first REST answer median ${formatMs(median(starts.map((start) => start.firstRest)))}; healthy is ${ratio(healthy)}`
  )
  console.log(phaseLine(starts))
}
console.log("  yardsticks (same run):")
console.log(line("node -e 0:", nodeAlone))
console.log(line("PGlite opens the warm directory (bare):", pgliteBare))
console.log(line("… with pgcrypto and pg_trgm, as the stack:", pgliteExtensions))
const healthyOf = (starts: Start[]) => median(starts.map((start) => start.healthy))
record({
  name: "startup.pglite.cold",
  label: "cold start (yardstick: PGlite opening a directory with the stack's extensions)",
  value: healthyOf(cold),
  unit: "ms",
  yardstick: median(pgliteExtensions),
  target: "< 3,000 ms",
  check: (value) => value < 3000,
})
record({
  name: "startup.pglite.warm",
  label: "warm start (yardstick: PGlite opening a directory with the stack's extensions)",
  value: healthyOf(warm),
  unit: "ms",
  yardstick: median(pgliteExtensions),
  target: "< 1,000 ms",
  check: (value) => value < 1000,
})
// The command answers /health once its port is open and REST reads its schema cache behind it
// (docs/local-stack.md), so the first REST answer is recorded beside the start.
record({
  name: "startup.pglite.warm.first_rest",
  label:
    "warm start to the first REST answer (yardstick: PGlite opening a directory with the stack's extensions)",
  value: median(warm.map((start) => start.firstRest)),
  unit: "ms",
  yardstick: median(pgliteExtensions),
})
console.log(
  "  cold includes bootstrap, migrations and the seed; targets: cold < 3 s, warm < 1 s (quiet machine)"
)
