// What `npm run dev` echoes of next dev's request log. The demo worker appends its run's log a
// few times a second for a day and both demo devices report in every 30 s, so next dev's one
// line per request buried everything else (about 125 lines a minute, all "200"). The device
// API's routine successes are left out; every failure, every page and every other route is
// still echoed. LMX_DEV_LOG_DEVICE_API=1 echoes them all.
import { createInterface } from "node:readline"
import { type Readable, type Writable } from "node:stream"

import { z } from "zod"

import { stripAnsi } from "../lib/runs/ansi"

// next dev's request line: " POST /api/device/v1/runs/<id>/logs 200 in 31ms (…)".
const REQUEST_LINE = /^\s*[A-Z]+ (\/\S*) (\d{3}) in /
// The device API's calls a working device repeats all the time: its heartbeat, a run's
// heartbeat and log appends, and the worker's claim.
const ROUTINE_DEVICE_CALL =
  /^\/api\/device\/v1\/(?:heartbeat|runs\/claim|runs\/[0-9a-f-]{36}\/(?:logs|heartbeat))(?:\?|$)/

const envSchema = z.object({
  LMX_DEV_LOG_DEVICE_API: z.enum(["0", "1", ""]).default(""),
})

/** Whether `LMX_DEV_LOG_DEVICE_API=1` asks for every device API request line. */
export function echoesEveryDeviceCall(env: Record<string, string | undefined>): boolean {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new Error(
      `LMX_DEV_LOG_DEVICE_API must be 1 (echo every device API request) or 0; got "${env.LMX_DEV_LOG_DEVICE_API}"`
    )
  }

  return parsed.data.LMX_DEV_LOG_DEVICE_API === "1"
}

/** A next dev output line that reports a routine device API call that succeeded. */
export function isRoutineDeviceSuccess(line: string): boolean {
  const request = REQUEST_LINE.exec(stripAnsi(line))
  if (!request) return false
  const [, path, status] = request

  return status!.startsWith("2") && ROUTINE_DEVICE_CALL.test(path!)
}

/** Copies next dev's output line by line, leaving out routine device API successes. */
export function echoDevOutput(from: Readable, to: Writable): void {
  const lines = createInterface({ input: from, crlfDelay: Infinity })
  lines.on("line", (line) => {
    if (!isRoutineDeviceSuccess(line)) to.write(`${line}\n`)
  })
}
