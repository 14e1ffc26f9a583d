// `npm run bench:startup`: how long the local stack takes from process start to a healthy
// /health, on a fresh PGlite directory (cold: bootstrap, migrations, seed) and on existing
// data (warm). Medians of 5 runs each, measured as a user starting it would see it.
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { record } from "./report"
import { formatMs, median } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const RUNS = 5
// The command a user runs (`npm run supabase:local`), without npm's own start-up in the figure.
const STACK_BIN = path.join(root, "packages/supabase-local/bin/supabase-local.js")

function startOnce(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [STACK_BIN, "--port", "0", "--data-dir", dataDir], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    let errors = ""
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()))
    child.stdout.on("data", async (chunk: Buffer) => {
      output += chunk.toString()
      const url = /API URL: (http:\/\/\S+)/.exec(output)?.[1]
      if (!url || child.killed) return
      const response = await fetch(`${url}/health`)
      const elapsed = performance.now() - started
      if (!response.ok) reject(new Error(`health answered ${response.status}`))
      child.kill("SIGINT")
      child.once("exit", () => resolve(elapsed))
    })
    child.on("exit", (code) => {
      if (code !== 0 && code !== null && !output.includes("API URL"))
        reject(new Error(`stack exited with ${code}: ${errors}`))
    })
  })
}

// The initdb image cache (see packages/supabase-local/db/pglite.ts): removing it makes a start
// what it is on a new checkout.
const cacheDir = path.join(root, "packages/supabase-local/.local/cache")
function dropInitdbImage() {
  for (const name of readdirSync(cacheDir, { withFileTypes: true }).filter((e) => e.isFile())) {
    if (name.name.includes("initdb")) rmSync(path.join(cacheDir, name.name), { force: true })
  }
}

const first: number[] = []
const cold: number[] = []
const warm: number[] = []
for (let run = 0; run < RUNS; run++) {
  const dataDirs = [1, 2].map(() => mkdtempSync(path.join(tmpdir(), "lmx-bench-startup-")))
  try {
    try {
      dropInitdbImage()
    } catch {
      // no cache yet
    }
    first.push(await startOnce(dataDirs[0]!))
    cold.push(await startOnce(dataDirs[1]!))
    warm.push(await startOnce(dataDirs[1]!))
  } finally {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
  }
}

const line = (label: string, samples: number[]) =>
  `  ${label.padEnd(44)} median ${formatMs(median(samples))}  runs: ${samples.map(formatMs).join(", ")}`
console.log(`Local stack startup (PGlite, process start → healthy), ${RUNS} runs each`)
console.log(line("first boot of a checkout (initdb, no cache):", first))
console.log(line("cold (fresh data directory):", cold))
console.log(line("warm (existing data):", warm))
record({
  name: "startup.pglite.cold",
  label: "cold start (yardstick: the first boot of a checkout)",
  value: median(cold),
  unit: "ms",
  yardstick: median(first),
  target: "< 5,000 ms (issue #19: < 3,000 ms)",
  check: (value) => value < 5000,
})
record({
  name: "startup.pglite.warm",
  label: "warm start (yardstick: the cold start)",
  value: median(warm),
  unit: "ms",
  yardstick: median(cold),
  target: "< 2,000 ms (issue #19: < 1,000 ms)",
  check: (value) => value < 2000,
})
console.log(
  "  each includes bootstrap, migrations and the seed when fresh; targets: cold < 5 s, warm < 2 s"
)
