import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { type Client } from "@/lib/supabase/types"
import { signInWithPassword } from "@/supabase/tests/console-clients"

import {
  getDevice,
  getDeviceUsage,
  listDeviceActivity,
  listDeviceModelSpeeds,
  listDeviceRuns,
  listDevices,
  listDeviceSessions,
} from "./queries"

// The devices slice's reads, run as the console runs them (the user's own client, RLS on)
// against the seeded stack: the row schemas must accept every row the database really holds,
// including the seed's md5-derived ids, which are not RFC 9562 uuids.
const DEMO = {
  id: "00000000-0000-4000-a000-000000000001",
  email: "demo@lmx.local",
  password: "lmx-demo-password",
}
const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"

describe(`devices queries on the demo seed (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let demo: Client

  beforeAll(async () => {
    stack = await startTestStack()
    demo = await signInWithPassword(stack, DEMO)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("lists the demo's devices and reads one", async () => {
    const devices = await listDevices(demo, { userId: DEMO.id })
    expect(devices.map((device) => device.name)).toEqual([
      "Home Desktop",
      "Studio Mac",
      "Work Laptop",
    ])
    expect(
      await getDevice(demo, { userId: DEMO.id, id: STUDIO_MAC })
    ).toMatchObject({ id: STUDIO_MAC, name: "Studio Mac", role: "llm_host" })
  })

  it("reads a seeded device's sessions, runs, usage and activity", async () => {
    const sessions = await listDeviceSessions(demo, { deviceId: STUDIO_MAC })
    expect(sessions.length).toBeGreaterThan(0)
    const runs = await listDeviceRuns(demo, { deviceId: STUDIO_MAC })
    expect(runs.length).toBeGreaterThan(0)
    const usage = await getDeviceUsage(demo, { deviceId: STUDIO_MAC })
    expect(usage.messages).toBeGreaterThan(0)
    const activity = await listDeviceActivity(demo, {
      userId: DEMO.id,
      deviceId: STUDIO_MAC,
    })
    expect(activity.map((entry) => entry.action)).toContain(
      "device.pairing_approved"
    )
  })

  it("measures tokens/s per model from the device's recent messages", async () => {
    // Dated by the seed relative to now, so a fixed "now" would age out of the window.
    const speeds = await listDeviceModelSpeeds(demo, { deviceId: STUDIO_MAC })
    expect(speeds.length).toBeGreaterThan(0)
    for (const speed of speeds) {
      expect(speed.hours).toBeGreaterThan(0)
      expect(speed.p10).toBeLessThanOrEqual(speed.p50)
      expect(speed.p50).toBeLessThanOrEqual(speed.p90)
    }
    expect(speeds.map((s) => s.p50)).toEqual(
      speeds.map((s) => s.p50).sort((a, b) => b - a)
    )
    // The same figures as the usage dashboard's, for this device only.
    const { data } = await demo.rpc("usage_speeds", {
      p_from: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10),
      p_to: new Date().toISOString().slice(0, 10),
      p_tz: "UTC",
      p_device: STUDIO_MAC,
    })
    expect(new Set(speeds.map((s) => s.model))).toEqual(
      new Set((data ?? []).map((row) => row.model))
    )
    // Another device's messages are not counted here.
    expect(
      await listDeviceModelSpeeds(demo, {
        deviceId: "00000000-0000-4000-b000-00000000dead",
      })
    ).toEqual([])
  })
})
