import {
  chmod,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterEach, beforeEach, describe, expect, it } from "vitest"

import {
  deleteDeviceConfig,
  DeviceConfigError,
  readDeviceConfig,
  resolveConfigPath,
  writeDeviceConfig,
  type DeviceConfig,
} from "./config"

const CONFIG: DeviceConfig = {
  version: 1,
  server: "https://lmx.optalocal.com",
  device_id: "00000000-0000-4000-b000-000000000001",
  device_name: "Studio Mac",
  device_secret: `lmxd_${"a".repeat(64)}`,
  account: {
    id: "00000000-0000-4000-a000-000000000001",
    email: "demo@lmx.local",
  },
  paired_at: "2026-11-22T00:00:00.000Z",
}

const posixOnly = process.platform === "win32" ? it.skip : it

describe("device config file", () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lmx-device-config-"))
    file = path.join(dir, "nested", "lmx", "device.json")
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it("reads back what it wrote, and null when there is none", async () => {
    expect(await readDeviceConfig(file)).toBeNull()
    await writeDeviceConfig(file, CONFIG)
    expect(await readDeviceConfig(file)).toEqual(CONFIG)
  })

  posixOnly(
    "is mode 0600 in a 0700 directory, whatever the umask",
    async () => {
      const previous = process.umask(0o000)
      try {
        await writeDeviceConfig(file, CONFIG)
      } finally {
        process.umask(previous)
      }
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700)
    }
  )

  posixOnly(
    "stays 0600 when rewritten, and leaves no temp files behind",
    async () => {
      await writeDeviceConfig(file, CONFIG)
      await writeDeviceConfig(file, {
        ...CONFIG,
        last_heartbeat: {
          at: "2026-11-22T00:01:00.000Z",
          ok: true,
          message: "ok",
        },
      })
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect(await readdir(path.dirname(file))).toEqual(["device.json"])
    }
  )

  posixOnly(
    "tightens a file that lost its mode (restored from a backup)",
    async () => {
      await writeDeviceConfig(file, CONFIG)
      await chmod(file, 0o644)
      await readDeviceConfig(file)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
    }
  )

  it("keeps ids any Postgres uuid can be (an md5-derived one is no RFC 9562 version)", async () => {
    const file = path.join(dir, "md5-id.json")
    const config = {
      ...CONFIG,
      device_id: "3f1b2c4d-5e6f-ea8b-cc0d-1e2f3a4b5c6d",
    }
    await writeDeviceConfig(file, config)
    expect((await readDeviceConfig(file))?.device_id).toBe(config.device_id)
  })

  it("refuses to write an invalid config", async () => {
    await expect(
      writeDeviceConfig(file, { ...CONFIG, device_id: "nope" })
    ).rejects.toThrow()
    await expect(readFile(file)).rejects.toThrow()
  })

  it("says what to do with a corrupt or foreign file", async () => {
    await writeDeviceConfig(file, CONFIG)
    await writeFile(file, "{ not json")
    await expect(readDeviceConfig(file)).rejects.toThrow(DeviceConfigError)
    await writeFile(file, JSON.stringify({ hello: "world" }))
    await expect(readDeviceConfig(file)).rejects.toThrow(
      /npm run device -- unpair/
    )
  })

  it("unpair deletes it once", async () => {
    await writeDeviceConfig(file, CONFIG)
    expect(await deleteDeviceConfig(file)).toBe(true)
    expect(await deleteDeviceConfig(file)).toBe(false)
    expect(await readDeviceConfig(file)).toBeNull()
  })
})

describe("resolveConfigPath", () => {
  it("prefers LMX_DEVICE_CONFIG", () => {
    expect(
      resolveConfigPath({
        env: {
          LMX_DEVICE_CONFIG: "/srv/agent/device.json",
          XDG_CONFIG_HOME: "/x",
        },
        platform: "linux",
        homedir: "/home/sam",
      })
    ).toBe(path.resolve("/srv/agent/device.json"))
  })

  it("uses each platform's per-user config directory", () => {
    expect(
      resolveConfigPath({ env: {}, platform: "linux", homedir: "/home/sam" })
    ).toBe(path.join("/home/sam", ".config", "lmx", "device.json"))
    expect(
      resolveConfigPath({
        env: { XDG_CONFIG_HOME: "/cfg" },
        platform: "linux",
        homedir: "/home/sam",
      })
    ).toBe(path.join("/cfg", "lmx", "device.json"))
    expect(
      resolveConfigPath({ env: {}, platform: "darwin", homedir: "/Users/sam" })
    ).toBe(
      path.join(
        "/Users/sam",
        "Library",
        "Application Support",
        "lmx",
        "device.json"
      )
    )
    expect(
      resolveConfigPath({
        env: { APPDATA: "C:/Users/sam/AppData/Roaming" },
        platform: "win32",
        homedir: "C:/Users/sam",
      })
    ).toBe(path.join("C:/Users/sam/AppData/Roaming", "lmx", "device.json"))
  })
})
