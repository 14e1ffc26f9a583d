import { mkdtemp, rm } from "node:fs/promises"
import os from "node:os"
import path from "node:path"

import { afterEach, describe, expect, it } from "vitest"

import { type RunLogLine } from "@/lib/devices/runs-schema"

import { type WorkerApi } from "./api"
import { createFakeClock } from "./fake-clock"
import { cancelLogLine, RunExecution } from "./run-execution"

const RUN_ID = "0e000000-0000-4000-8000-00000000e001"

describe("a canceled step's log line", () => {
  const folders: string[] = []
  afterEach(async () => {
    for (const folder of folders.splice(0))
      await rm(folder, { recursive: true, force: true })
  })

  it("gives the time from SIGTERM to the step's exit, apart from how long the step ran", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "lmx-run-execution-"))
    folders.push(dataDir)
    const clock = createFakeClock()
    let stepStarted: () => void = () => {}
    const started = new Promise<void>((resolve) => {
      stepStarted = resolve
    })
    let closingLines: Pick<RunLogLine, "line" | "stream">[] = []
    // The calls one canceled run makes; nothing else is reached.
    const api = {
      start: async () => ({ id: RUN_ID, status: "running" }),
      heartbeat: async () => ({ lease_expires_at: null, canceled: false }),
      appendLogs: async () => ({ first_line_no: 1, last_line_no: 1 }),
      event: async (_id: string, kind: string) => {
        if (kind === "step.started") stepStarted()
        return { id: 1 }
      },
      stopped: async (
        _id: string,
        lines: Pick<RunLogLine, "line" | "stream">[]
      ) => {
        closingLines = lines
        return { id: RUN_ID, status: "canceled" }
      },
    }
    const execution = new RunExecution(
      {
        id: RUN_ID,
        project_id: "0b000000-0000-4000-8000-00000000e001",
        workflow_id: "0c000000-0000-4000-8000-00000000e001",
        status: "claimed",
        params: {},
        attempts: 1,
        max_attempts: 1,
        lease_expires_at: new Date(clock.now() + 60_000).toISOString(),
        workflow: {
          name: "wait",
          kind: "custom",
          definition: {
            version: 1,
            steps: [{ name: "Wait", run: "sleep 30" }],
          },
        },
      },
      {
        api: api as unknown as WorkerApi,
        dataDir,
        localConfig: { postgres: {} },
        leaseSeconds: 60,
        clock,
      }
    )
    await started
    // The event is sent just before the process is spawned: give it a moment to exist.
    await new Promise((resolve) => setTimeout(resolve, 200))
    // The step has run 5 s when the cancel arrives; it exits 40 ms after SIGTERM (the
    // fake clock stands still while the real process handles the signal).
    clock.advance(5_000)
    execution.cancel()
    clock.advance(40)

    await expect(execution.done).resolves.toEqual({ status: "canceled" })
    expect(closingLines.map((line) => line.line)).toContain(
      "Canceled: sent SIGTERM; the step stopped 40 ms after SIGTERM (it had run 5040 ms)."
    )
  })

  it("names SIGKILL and the grace period when the step ignored SIGTERM", () => {
    expect(
      cancelLogLine(
        { killed: true, durationMs: 12_345.4, stoppedAfterMs: 10_012.2 },
        10_000
      )
    ).toBe(
      "Canceled: sent SIGTERM, then SIGKILL after 10 s; the step stopped 10012 ms after SIGTERM (it had run 12345 ms)."
    )
  })
})
