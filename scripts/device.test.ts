import { execFile } from "node:child_process"
import { mkdtemp, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"
import { promisify } from "node:util"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { writeDeviceConfig } from "@/agent/config"

// The agent CLI as a user runs it, for the commands that need no console (no network).

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, "..")

async function device(args: string[], configFile: string) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/device.ts", ...args],
      { cwd: root, env: { ...process.env, LMX_DEVICE_CONFIG: configFile } }
    )

    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }

    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe("npm run device", { timeout: 60_000 }, () => {
  let dir: string
  let file: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lmx-device-cli-"))
    file = path.join(dir, "device.json")
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it("explains its usage and exits 2 on an unknown command", async () => {
    const result = await device(["reboot"], file)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("Unknown command: reboot")
    expect(result.stderr).toContain("npm run device -- <command>")
  })

  it("status and heartbeat say how to pair when not paired", async () => {
    const status = await device(["status"], file)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain("Not paired")
    expect(status.stdout).toContain("npm run device -- pair")

    const heartbeat = await device(["heartbeat"], file)
    expect(heartbeat.code).toBe(1)
    expect(heartbeat.stderr).toContain(
      "This device is not paired yet; run `npm run device -- pair` first."
    )
  })

  it("status shows the server, account, device and last heartbeat; unpair forgets it", async () => {
    await writeDeviceConfig(file, {
      version: 1,
      server: "https://lmx.optalocal.com",
      device_id: "00000000-0000-4000-b000-000000000001",
      device_name: "Studio Mac",
      device_secret: `lmxd_${"d".repeat(64)}`,
      account: {
        id: "00000000-0000-4000-a000-000000000001",
        email: "demo@lmx.local",
      },
      paired_at: "2026-11-22T00:00:00.000Z",
      last_heartbeat: {
        at: "2026-11-22T00:01:00.000Z",
        ok: false,
        message: "This device was revoked from the console.",
      },
    })
    const status = await device(["status"], file)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain("https://lmx.optalocal.com")
    expect(status.stdout).toContain("demo@lmx.local")
    expect(status.stdout).toContain("Studio Mac (00000000-0000-4000-b000-000000000001)")
    expect(status.stdout).toContain("refused — This device was revoked from the console.")
    expect(status.stdout).not.toContain("lmxd_")

    const unpair = await device(["unpair"], file)
    expect(unpair.code).toBe(0)
    expect(unpair.stdout).toContain("Forgot the device secret")
    expect(unpair.stdout).toContain("revoke it there (https://lmx.optalocal.com/devices)")
    await expect(stat(file)).rejects.toThrow()
  })

  it("refuses a bad --role before contacting anyone", async () => {
    const result = await device(["pair", "--role", "admin", "--server", "http://127.0.0.1:9"], file)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("--role must be llm_host or workstation")
  })
})
