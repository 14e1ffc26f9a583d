// The client side of `npm run bench:storage`'s 1 MB signed-URL figure, in a fresh process of
// its own: the bench's own process holds the 50 MB bodies of the throughput runs, and a
// collection of those (or of the 1 MB bodies read before) landing inside a sample was counted
// as the server's time. Here the heap is small and collected between samples (never inside
// one), and the signed URL and the yardsticks are measured the same way, in turns:
//   - `http`: node:http on a kept-alive connection, the body's chunks counted and dropped
//     (what the server costs, plus one loopback round trip);
//   - `fetch`: fetch and arrayBuffer(), as supabase-js and a browser read a download (what a
//     caller sees, the client's copying included);
//   - `file`: reading the same bytes from the same disk (readFile).
// LMX_BENCH_LATENCY holds { targets: { name: url }, file, bytes, samples, warmup } as JSON;
// prints one JSON line of { name: { http: ms[], fetch: ms[] }, file: ms[] }.
import { readFile } from "node:fs/promises"
import http from "node:http"

type Plan = {
  targets: Record<string, string>
  file: string
  bytes: number
  samples: number
  warmup: number
}

const plan = JSON.parse(process.env.LMX_BENCH_LATENCY ?? "{}") as Plan
// One kept-alive connection per server, as a page reusing its connection.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
/** Collects garbage outside the timed window (needs --expose-gc; a no-op without it). */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined)

function getWithHttp(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        let received = 0
        response.on("data", (chunk: Buffer) => (received += chunk.length))
        response.on("end", () =>
          response.statusCode === 200 && received === plan.bytes
            ? resolve()
            : reject(new Error(`${url}: ${response.statusCode}, ${received} bytes`))
        )
        response.on("error", reject)
      })
      .on("error", reject)
  })
}

async function getWithFetch(url: string): Promise<void> {
  const response = await fetch(url)
  const body = await response.arrayBuffer()
  if (response.status !== 200 || body.byteLength !== plan.bytes)
    throw new Error(`${url}: ${response.status}, ${body.byteLength} bytes`)
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  collect()
  const started = performance.now()
  await fn()

  return performance.now() - started
}

const names = Object.keys(plan.targets)
const times: Record<string, { http: number[]; fetch: number[] }> = {}
for (const name of names) times[name] = { http: [], fetch: [] }
const fileTimes: number[] = []
for (let i = 0; i < plan.warmup + plan.samples; i++) {
  // Turns alternate in order (ab, ba, …) so neither target always follows the other.
  const order = i % 2 === 0 ? names : [...names].reverse()
  for (const name of order) {
    const url = plan.targets[name]!
    const httpMs = await timed(() => getWithHttp(url))
    const fetchMs = await timed(() => getWithFetch(url))
    if (i >= plan.warmup) {
      times[name]!.http.push(httpMs)
      times[name]!.fetch.push(fetchMs)
    }
  }
  const fileMs = await timed(() => readFile(plan.file))
  if (i >= plan.warmup) fileTimes.push(fileMs)
}
agent.destroy()
console.log(JSON.stringify({ ...times, file: fileTimes }))
