import { PassThrough } from "node:stream"

import { describe, expect, it } from "vitest"

import { echoDevOutput, echoesEveryDeviceCall, isRoutineDeviceSuccess } from "./dev-output"

const RUN = "00000000-0000-4000-c200-0000000000d1"

describe("npm run dev's echo of next dev's output", () => {
  it("leaves out the device API's routine successes, in colour or not", () => {
    for (const line of [
      ` POST /api/device/v1/runs/${RUN}/logs 200 in 31ms (next.js: 16ms, proxy.ts: 1.2ms, application-code: 14ms)`,
      ` POST /api/device/v1/runs/${RUN}/heartbeat 200 in 12ms`,
      " POST /api/device/v1/heartbeat 200 in 933ms (next.js: 734ms)",
      " POST /api/device/v1/runs/claim 204 in 20ms",
      ` \u001b[1mPOST\u001b[22m /api/device/v1/runs/${RUN}/logs \u001b[32m200\u001b[39m in 31ms`,
    ]) {
      expect(isRoutineDeviceSuccess(line), line).toBe(true)
    }
  })

  it("echoes every failure, every page, every other device route and every other line", () => {
    for (const line of [
      ` POST /api/device/v1/runs/${RUN}/logs 413 in 4ms`,
      " POST /api/device/v1/heartbeat 401 in 9ms",
      " POST /api/device/v1/runs/claim 500 in 9ms",
      ` POST /api/device/v1/runs/${RUN}/events 200 in 20ms`,
      " POST /api/device/v1/sync/push 200 in 120ms",
      " POST /api/device/v1/pair 200 in 30ms",
      " GET /runs/00000000-0000-4000-c200-0000000000d1 200 in 80ms",
      " GET /api/device/v1/heartbeats-report 200 in 3ms",
      "✓ Compiled /api/device/v1/runs/[id]/logs in 1.2s",
      "Error: the database is gone",
      "",
    ]) {
      expect(isRoutineDeviceSuccess(line), line).toBe(false)
    }
  })

  it("copies the stream line by line without the routine lines", async () => {
    const from = new PassThrough()
    const to = new PassThrough()
    const written: string[] = []
    to.on("data", (chunk: Buffer) => written.push(chunk.toString("utf8")))
    echoDevOutput(from, to)
    from.write("✓ Ready in 444ms\n POST /api/device/v1/heartbeat 200 in 9ms\n GET /usa")
    from.end("ge 200 in 80ms\n")
    await new Promise((resolve) => setImmediate(resolve))

    expect(written.join("")).toBe("✓ Ready in 444ms\n GET /usage 200 in 80ms\n")
  })

  it("echoes everything when LMX_DEV_LOG_DEVICE_API=1 and refuses a value it does not know", () => {
    expect(echoesEveryDeviceCall({})).toBe(false)
    expect(echoesEveryDeviceCall({ LMX_DEV_LOG_DEVICE_API: "0" })).toBe(false)
    expect(echoesEveryDeviceCall({ LMX_DEV_LOG_DEVICE_API: "1" })).toBe(true)
    expect(() => echoesEveryDeviceCall({ LMX_DEV_LOG_DEVICE_API: "yes" })).toThrow(
      /LMX_DEV_LOG_DEVICE_API must be 1/
    )
  })
})
