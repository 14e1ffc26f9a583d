// `npm run bench:startup`: how long the local stack takes from process start to a healthy
// /health, on a fresh PGlite directory (cold: bootstrap, migrations, seed) and on existing
// data (warm). Medians of 5 runs each, measured as a user starting it would see it.
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { formatMs, median } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const RUNS = 5

function startOnce(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "supabase/local/cli.ts", "--port", "0", "--data-dir", dataDir],
      { cwd: root, env: { ...process.env, DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] }
    )
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

const cold: number[] = []
const warm: number[] = []
for (let run = 0; run < RUNS; run++) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "lmx-bench-startup-"))
  try {
    cold.push(await startOnce(dataDir))
    warm.push(await startOnce(dataDir))
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

console.log("Local stack startup (PGlite, process start → healthy), 5 runs each")
console.log(`  cold (fresh data directory): median ${formatMs(median(cold))}  runs: ${cold.map(formatMs).join(", ")}`)
console.log(`  warm (existing data):        median ${formatMs(median(warm))}  runs: ${warm.map(formatMs).join(", ")}`)
console.log("  targets: cold < 5 s, warm < 2 s")
