/**
 * The benches' shared recorder. Each figure is printed with its same-run yardstick and ratio
 * (on a shared, loaded machine only the ratio compares across runs) and kept for
 * bench-results/latest.json, which `npm run bench` starts afresh and every bench, run alone
 * or in the sequence, updates with its own figures when its process exits.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"

export type Figure = {
  /** Unique across benches, prefixed with the bench script: "db-core.sync_push.10000_messages". */
  name: string
  value: number
  unit: string
  /** The same work done the plain way in the same run, in the same unit; null if none. */
  yardstick: number | null
  /** value / yardstick (a time: how many times slower; a rate: what fraction of it). */
  ratio: number | null
  /** Human-readable, e.g. "< 1000 ms" or "ratio ≤ 4". */
  target: string | null
  met: boolean | null
}

type Results = {
  updatedAt: string
  /** The 1-minute load average when each bench finished: absolute figures move with it. */
  load: Record<string, number>
  figures: Figure[]
}

const root = path.resolve(import.meta.dirname, "../..")
export const RESULTS_FILE = path.join(root, "bench-results", "latest.json")

const recorded: Figure[] = []
const benches = new Set<string>()

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2

  return value.toLocaleString("en", { maximumFractionDigits: digits })
}

/**
 * Records one figure and prints it. `check` decides `met` from the value and the ratio;
 * leave it out for figures without a target.
 */
export function record(figure: {
  name: string
  value: number
  unit: string
  yardstick?: number | null
  target?: string | null
  check?: (value: number, ratio: number | null) => boolean
  /** Printed instead of the name. */
  label?: string
}): Figure {
  const yardstick = figure.yardstick ?? null
  const ratio =
    yardstick !== null && yardstick !== 0 && Number.isFinite(figure.value)
      ? figure.value / yardstick
      : null
  const entry: Figure = {
    name: figure.name,
    value: figure.value,
    unit: figure.unit,
    yardstick,
    ratio,
    target: figure.target ?? null,
    met: figure.check ? figure.check(figure.value, ratio) : null,
  }
  recorded.push(entry)
  benches.add(figure.name.split(".")[0]!)
  const parts = [`${formatNumber(entry.value)} ${entry.unit}`]
  if (yardstick !== null) {
    parts.push(
      `yardstick ${formatNumber(yardstick)} ${entry.unit}, ratio ${ratio === null ? "—" : ratio.toFixed(2)}`
    )
  }
  if (entry.target) parts.push(`target ${entry.target}: ${entry.met ? "met" : "NOT met"}`)
  console.log(`  ${figure.label ?? entry.name}: ${parts.join("; ")}`)

  return entry
}

function readResults(): Results {
  try {
    const parsed = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Partial<Results>
    return {
      updatedAt: parsed.updatedAt ?? new Date().toISOString(),
      load: parsed.load ?? {},
      figures: Array.isArray(parsed.figures) ? parsed.figures : [],
    }
  } catch {
    return { updatedAt: new Date().toISOString(), load: {}, figures: [] }
  }
}

/** Replaces this process's benches' figures in latest.json (synchronous: runs on exit). */
export function saveFigures(): void {
  if (recorded.length === 0) return
  const results = readResults()
  const mine = (name: string) => benches.has(name.split(".")[0]!)
  results.figures = [...results.figures.filter((f) => !mine(f.name)), ...recorded]
  for (const bench of benches) results.load[bench] = Number(os.loadavg()[0]!.toFixed(2))
  results.updatedAt = new Date().toISOString()
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true })
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`)
}

process.on("exit", saveFigures)

/** Starts latest.json afresh (the `npm run bench` sequence does, before its first bench). */
export function resetResults(): void {
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true })
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ updatedAt: new Date().toISOString(), load: {}, figures: [] }, null, 2)}\n`
  )
}

export function readFigures(): Results {
  return readResults()
}

/** An integer size knob from the environment, so `npm run bench` can run everything smaller. */
export function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`)
  }

  return value
}
