// `npm run bench:storage`: Storage through supabase-js against the local stack, each figure
// next to a yardstick measured in the same run on the same disk (the machine is shared, so
// only the ratios compare across runs). The stack runs in a process of its own, as
// `supabase-local start` does (scripts/bench/storage-server.ts), and so does the bare HTTP
// server that is the HTTP yardstick:
//   - a 50 MB upload and download (MB/s, the median of UPLOAD_RUNS), with the server
//     process's RSS before, at its peak and after (a streamed upload keeps it flat);
//     yardsticks: a bare Node HTTP server taking (and sending) the same body, and the bytes
//     written (with fsync) and read straight from disk;
//   - the p50/p95 of a 1 MB download through a signed URL, measured by a fresh client process
//     (scripts/bench/storage-latency.ts) with node:http and with fetch; yardsticks: the bare
//     HTTP server sending 1 MB, measured the same way in alternating turns, and reading the file;
//   - 1,000 objects of 10 KB uploaded by 8 concurrent clients (objects/s); yardstick: the same
//     files written straight to disk (temp file, fsync, rename) with 8 at a time.
// Runs on in-memory PGlite and on Postgres (DATABASE_URL, or the local server).
import { spawn, type ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { mkdir, open, readFile, rename } from "node:fs/promises"
import { loadavg, tmpdir } from "node:os"
import path from "node:path"

import { type StorageOptions } from "@lmx/supabase-local/db/open"
import { createThrowawayDatabase } from "@lmx/supabase-local/testing/throwaway-database"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const POSTGRES_URL =
  process.env.DATABASE_URL || "postgres://postgres:postgres@127.0.0.1:5432/postgres"
const MB = 1024 * 1024
const USER = "00000000-0000-4000-8000-0000000be4c4"
const SMALL_OBJECTS = 1000
const CONCURRENCY = 8
const SIGNED_SAMPLES = 300
const SIGNED_WARMUP = 30
const UPLOAD_RUNS = 5
const SERVER = path.join(import.meta.dirname, "storage-server.ts")
const LATENCY_CLIENT = path.join(import.meta.dirname, "storage-latency.ts")

const mbPerSecond = (bytes: number, ms: number) => bytes / MB / (ms / 1000)

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const value = await fn()

  return [value, performance.now() - started]
}

/** Writes a file as Storage does: temp file, fsync, rename. */
async function writeDurably(dir: string, name: string, data: Buffer) {
  const temp = path.join(dir, `.${name}.tmp`)
  const handle = await open(temp, "w")
  await handle.writeFile(data)
  await handle.sync()
  await handle.close()
  await rename(temp, path.join(dir, name))
}

async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++)
    })
  )
}

type Server = { child: ChildProcess; url: string; anonKey?: string; token?: string }

/** Starts scripts/bench/storage-server.ts in `mode`, and waits for the line it prints. */
async function startServer(mode: "stack" | "bare", env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER, mode], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  })
  let output = ""
  for await (const chunk of child.stdout!) {
    output += String(chunk)
    const line = output.split("\n").find((candidate) => candidate.startsWith("{"))
    if (line) return { child, ...(JSON.parse(line) as Omit<Server, "child">) }
  }
  throw new Error(`the bench server (${mode}) exited before it listened: ${output}`)
}

async function stopServer(server: Server) {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once("exit", resolve))
  server.child.kill("SIGTERM")
  await exited
}

/** A process's resident memory in MB, from /proc (Linux); undefined elsewhere. */
function rssOf(pid: number | undefined): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined
  }
}

/**
 * The same body through fetch to a Node HTTP server that only reads it: what HTTP alone costs
 * at this moment, the ceiling for an upload through supabase-js.
 */
async function bareHttpUpload(url: string, body: Buffer<ArrayBuffer>) {
  const response = await fetch(url, { method: "POST", body })
  await response.arrayBuffer()
}

/**
 * The same number of bytes sent by a Node HTTP server from memory and read with fetch, as
 * supabase-js reads a download (a Blob, then its bytes): what HTTP alone costs a download.
 */
async function bareHttpDownload(url: string) {
  const response = await fetch(url)
  await (await response.blob()).arrayBuffer()
}

type LatencyPlan = {
  targets: { signed: string; bare: string }
  file: string
  bytes: number
  samples: number
  warmup: number
}
type ClientTimes = { http: number[]; fetch: number[] }
type Latency = { signed: ClientTimes; bare: ClientTimes; file: number[] }

/** Runs scripts/bench/storage-latency.ts in a fresh process and returns its samples. */
async function measureLatency(plan: LatencyPlan): Promise<Latency> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", LATENCY_CLIENT], {
    env: { ...process.env, LMX_BENCH_LATENCY: JSON.stringify(plan) },
    stdio: ["ignore", "pipe", "inherit"],
  })
  let output = ""
  for await (const chunk of child.stdout!) output += String(chunk)
  const line = output.split("\n").find((candidate) => candidate.startsWith("{"))
  if (!line) throw new Error(`the latency client printed no samples: ${output}`)

  return JSON.parse(line) as Latency
}

const clientOptions = {
  auth: { persistSession: false, autoRefreshToken: false },
  // Node 20 has no global WebSocket; realtime-js insists on a transport even when unused.
  realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
}

function userClient(server: Server): SupabaseClient {
  return createClient(server.url, server.anonKey!, {
    ...clientOptions,
    global: { headers: { Authorization: `Bearer ${server.token}` } },
  })
}

async function withStorage<T>(
  engine: "pglite" | "postgres",
  fn: (storage: StorageOptions) => Promise<T>
): Promise<T> {
  if (engine === "pglite") return fn({ engine: "pglite" })
  const database = await createThrowawayDatabase(POSTGRES_URL, "lmx_bench_storage")
  try {
    return await fn({ engine: "postgres", url: database.url, poolSize: 10 })
  } finally {
    await database.drop()
  }
}

async function benchStorage(engine: "pglite" | "postgres") {
  const scratch = mkdtempSync(path.join(tmpdir(), "lmx-bench-storage-"))
  try {
    await withStorage(engine, async (storage) => {
      const stack = await startServer("stack", {
        LMX_BENCH_STORAGE: JSON.stringify(storage),
        LMX_BENCH_STORAGE_DIR: path.join(scratch, "storage"),
        LMX_BENCH_USER: USER,
      })
      const bare = await startServer("bare", { LMX_BENCH_BYTES: String(50 * MB) })
      try {
        // The user's own folder in the fixture's "big" bucket: every request runs under RLS.
        const clients = Array.from({ length: CONCURRENCY }, () => userClient(stack))
        const bucket = clients[0]!.storage.from("big")
        const direct = path.join(scratch, "direct")
        await mkdir(direct, { recursive: true })
        const serverRss = () => rssOf(stack.child.pid) ?? Number.NaN

        // 50 MB up and down: the yardstick's runs first, then the stack's back to back. (Not
        // interleaved: a connection idle for the seconds a 50 MB run takes under load meets
        // Node's 5 s keep-alive timeout, and a request sent on it as the server closes it fails.)
        const big = Buffer.alloc(50 * MB)
        for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)
        await bareHttpUpload(bare.url, Buffer.alloc(MB))
        const bareUploadTimes: number[] = []
        const bareDownloadTimes: number[] = []
        for (let run = 0; run < UPLOAD_RUNS; run++) {
          bareUploadTimes.push((await timed(() => bareHttpUpload(bare.url, big)))[1])
          bareDownloadTimes.push((await timed(() => bareHttpDownload(bare.url)))[1])
        }
        await bucket.upload(`${USER}/warmup.bin`, Buffer.alloc(MB), {
          contentType: "application/octet-stream",
        })
        let peak = serverRss()
        const sampler = setInterval(() => (peak = Math.max(peak, serverRss())), 5)
        const rssBefore = serverRss()
        const uploadTimes: number[] = []
        for (let run = 0; run < UPLOAD_RUNS; run++) {
          const [upload, ms] = await timed(() =>
            bucket.upload(`${USER}/big.bin`, big, {
              contentType: "application/octet-stream",
              upsert: true,
            })
          )
          if (upload.error) throw upload.error
          uploadTimes.push(ms)
        }
        const rssAfterUpload = serverRss()
        const uploadPeak = peak
        peak = serverRss()
        const downloadTimes: number[] = []
        for (let run = 0; run < UPLOAD_RUNS; run++) {
          const [download, ms] = await timed(async () => {
            const { data, error } = await bucket.download(`${USER}/big.bin`)
            if (error) throw error
            return Buffer.from(await data.arrayBuffer())
          })
          if (!download.equals(big)) throw new Error("the downloaded bytes differ")
          downloadTimes.push(ms)
        }
        clearInterval(sampler)
        const uploadMs = median(uploadTimes)
        const bareHttpMs = median(bareUploadTimes)
        const downloadMs = median(downloadTimes)
        const bareDownloadMs = median(bareDownloadTimes)
        const [, diskWriteMs] = await timed(() => writeDurably(direct, "big.bin", big))
        const [, diskReadMs] = await timed(() => readFile(path.join(direct, "big.bin")))

        // A 1 MB object through a signed URL.
        const oneMb = big.subarray(0, MB)
        await bucket.upload(`${USER}/one.bin`, oneMb, { contentType: "application/octet-stream" })
        await writeDurably(direct, "one.bin", oneMb)
        const signed = await bucket.createSignedUrl(`${USER}/one.bin`, 600)
        if (signed.error) throw signed.error
        const latency = await measureLatency({
          targets: { signed: signed.data.signedUrl, bare: `${bare.url}/?bytes=${MB}` },
          file: path.join(direct, "one.bin"),
          bytes: MB,
          samples: SIGNED_SAMPLES,
          warmup: SIGNED_WARMUP,
        })

        // 1,000 × 10 KB, 8 clients at a time.
        const small = big.subarray(0, 10 * 1024)
        const [, smallMs] = await timed(() =>
          inParallel(SMALL_OBJECTS, CONCURRENCY, async (i) => {
            const { error } = await clients[i % CONCURRENCY]!.storage.from("big").upload(
              `${USER}/small/${i}.bin`,
              small,
              { contentType: "application/octet-stream" }
            )
            if (error) throw error
          })
        )
        await mkdir(path.join(direct, "small"), { recursive: true })
        const [, smallDiskMs] = await timed(() =>
          inParallel(SMALL_OBJECTS, CONCURRENCY, (i) =>
            writeDurably(path.join(direct, "small"), `${i}-${randomUUID()}.bin`, small)
          )
        )

        const uploadRate = mbPerSecond(big.length, uploadMs)
        const downloadRate = mbPerSecond(big.length, downloadMs)
        const objectsPerSecond = SMALL_OBJECTS / (smallMs / 1000)
        const diskObjectsPerSecond = SMALL_OBJECTS / (smallDiskMs / 1000)
        console.log(
          `\nStorage (${engine}), load average ${loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}; medians of ${UPLOAD_RUNS} runs for 50 MB`
        )
        console.log(
          `  50 MB upload:    ${uploadRate.toFixed(0)} MB/s (disk write+fsync ${mbPerSecond(big.length, diskWriteMs).toFixed(0)} MB/s, ratio ${(diskWriteMs / uploadMs).toFixed(2)})`
        )
        console.log(
          `                   a bare Node HTTP server taking the same body: ${mbPerSecond(big.length, bareHttpMs).toFixed(0)} MB/s (ratio ${(bareHttpMs / uploadMs).toFixed(2)})`
        )
        console.log(
          `                   server RSS ${rssBefore.toFixed(0)} MB before, ${uploadPeak.toFixed(0)} MB peak, ${rssAfterUpload.toFixed(0)} MB after`
        )
        console.log(
          `  50 MB download:  ${downloadRate.toFixed(0)} MB/s (disk read ${mbPerSecond(big.length, diskReadMs).toFixed(0)} MB/s, ratio ${(diskReadMs / downloadMs).toFixed(2)}); server RSS peak ${peak.toFixed(0)} MB`
        )
        console.log(
          `                   a bare Node HTTP server sending the same bytes from memory: ${mbPerSecond(big.length, bareDownloadMs).toFixed(0)} MB/s (ratio ${(bareDownloadMs / downloadMs).toFixed(2)})`
        )
        const p95 = (samples: number[]) => percentile(samples, 95)
        for (const client of ["http", "fetch"] as const) {
          const ours = latency.signed[client]
          const yardstick = latency.bare[client]
          console.log(
            `  1 MB signed URL (${client === "http" ? "node:http, body dropped" : "fetch + arrayBuffer"}): p50 ${formatMs(median(ours))}, p95 ${formatMs(p95(ours))}, p99 ${formatMs(percentile(ours, 99))}`
          )
          console.log(
            `                   a bare Node HTTP server sending 1 MB from memory, the same way: p50 ${formatMs(median(yardstick))}, p95 ${formatMs(p95(yardstick))}, p99 ${formatMs(percentile(yardstick, 99))} (p95 ratio ${(p95(ours) / p95(yardstick)).toFixed(1)}x)`
          )
        }
        console.log(
          `                   reading the file: p50 ${formatMs(median(latency.file))}, p95 ${formatMs(p95(latency.file))} (${SIGNED_SAMPLES} samples each, turns alternating, a fresh client process collecting garbage between samples)`
        )
        console.log(
          `  1,000 × 10 KB, ${CONCURRENCY} clients: ${objectsPerSecond.toFixed(0)} objects/s (straight to disk ${diskObjectsPerSecond.toFixed(0)} objects/s, ratio ${(objectsPerSecond / diskObjectsPerSecond).toFixed(2)})`
        )
        // The same figures for bench-results/latest.json, each against its same-run yardstick.
        record({
          name: `storage.${engine}.upload_50mb`,
          label: "50 MB upload through supabase-js (yardstick: a bare Node HTTP server taking it)",
          value: uploadRate,
          unit: "MB/s",
          yardstick: mbPerSecond(big.length, bareHttpMs),
          target: "≥ 100 MB/s",
          check: (value) => value >= 100,
        })
        record({
          name: `storage.${engine}.download_50mb`,
          label: "50 MB download (yardstick: reading the file)",
          value: downloadRate,
          unit: "MB/s",
          yardstick: mbPerSecond(big.length, diskReadMs),
        })
        record({
          name: `storage.${engine}.download_50mb_vs_http`,
          label: "50 MB download (yardstick: a bare Node HTTP server sending it from memory)",
          value: downloadRate,
          unit: "MB/s",
          yardstick: mbPerSecond(big.length, bareDownloadMs),
        })
        record({
          name: `storage.${engine}.signed_url_1mb.p95`,
          label:
            "1 MB signed-URL download p95, node:http client (yardstick: a bare Node HTTP server sending 1 MB, p95)",
          value: p95(latency.signed.http),
          unit: "ms",
          yardstick: p95(latency.bare.http),
          target: "< 10 ms",
          check: (value) => value < 10,
        })
        record({
          name: `storage.${engine}.signed_url_1mb_fetch.p95`,
          label:
            "1 MB signed-URL download p95, fetch + arrayBuffer (yardstick: the bare server read the same way, p95)",
          value: p95(latency.signed.fetch),
          unit: "ms",
          yardstick: p95(latency.bare.fetch),
        })
        record({
          name: `storage.${engine}.signed_url_1mb_vs_file.p95`,
          label:
            "1 MB signed-URL download p95, node:http client (yardstick: reading the file, p95)",
          value: p95(latency.signed.http),
          unit: "ms",
          yardstick: p95(latency.file),
        })
        record({
          name: `storage.${engine}.small_objects`,
          label: `1,000 × 10 KB, ${CONCURRENCY} clients (yardstick: the same files straight to disk)`,
          value: objectsPerSecond,
          unit: "objects/s",
          yardstick: diskObjectsPerSecond,
        })
      } finally {
        await stopServer(stack)
        await stopServer(bare)
      }
    })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Why a fetch failed: undici's cause, which storage-js keeps in originalError. */
function causeOf(error: unknown): string {
  const original = (error as { originalError?: unknown }).originalError ?? error
  const cause = original instanceof Error ? original.cause : undefined

  return cause === undefined ? "" : ` (${String(cause)})`
}

for (const engine of ["pglite", "postgres"] as const) {
  try {
    await benchStorage(engine)
  } catch (error) {
    console.log(
      `\nStorage (${engine}): skipped, ${error instanceof Error ? error.message : String(error)}${causeOf(error)}`
    )
  }
}
