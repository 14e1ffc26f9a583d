import { describe, expect, it } from "vitest"

import {
  deviceActivitySchema,
  deviceRunSchema,
  deviceSchema,
  deviceSessionSchema,
} from "./queries"

// md5('lmx-seed-session-1')::uuid and friends: valid Postgres uuids whose version and variant
// bits are whatever md5 gave, as the seed and other writers (UUID v1, v7) produce.
const SEED_ID = "4a2a8d0c-95a2-d3e7-0c4e-5f1b4c3f6e21"
const V1_ID = "c232ab00-9414-11ec-b3c8-9f6bdeced846"
const NOW = "2026-11-22T12:00:00.000Z"

describe("the devices slice's row schemas read any Postgres uuid", () => {
  it("reads a device with a non-RFC 9562 id", () => {
    const row = {
      id: SEED_ID,
      name: "Studio Mac",
      role: "llm_host",
      helper_enabled: true,
      helper_config: {},
      hostname: null,
      platform: null,
      app_version: null,
      lan_ip: null,
      lan_port: 1234,
      tunnel_url: null,
      capabilities: {},
      last_seen_at: null,
      paired_at: NOW,
      revoked_at: null,
      updated_at: NOW,
    }
    expect(deviceSchema.parse(row).id).toBe(SEED_ID)
  })

  it("reads each accelerator the agent reports, dropping only an odd entry", () => {
    const row = {
      id: SEED_ID,
      name: "Studio Mac",
      role: "llm_host",
      helper_enabled: true,
      helper_config: {},
      hostname: null,
      platform: null,
      app_version: null,
      lan_ip: null,
      lan_port: 1234,
      tunnel_url: null,
      capabilities: {
        gpu: "2 × NVIDIA RTX 4090",
        accelerators: [
          {
            name: "NVIDIA GeForce RTX 4090",
            vendor: "NVIDIA",
            memory_gb: 24,
            driver: "550.54",
          },
          { name: "" },
          {
            name: "Apple M3 Max",
            memory_gb: "lots",
            cores: 40,
            unified_memory: true,
          },
        ],
      },
      last_seen_at: null,
      paired_at: NOW,
      revoked_at: null,
      updated_at: NOW,
    }
    expect(deviceSchema.parse(row).capabilities.accelerators).toEqual([
      {
        name: "NVIDIA GeForce RTX 4090",
        vendor: "NVIDIA",
        memory_gb: 24,
        driver: "550.54",
      },
      { name: "Apple M3 Max", cores: 40, unified_memory: true },
    ])
    expect(
      deviceSchema.parse({ ...row, capabilities: { accelerators: "gpu" } })
        .capabilities.accelerators
    ).toBeUndefined()
  })

  it("reads a seeded session", () => {
    const session = deviceSessionSchema.parse({
      id: SEED_ID,
      title: "Refactor the queue",
      model: "qwen3-coder-30b-a3b",
      message_count: 12,
      token_count: "4096",
      cost_usd: "0.0123",
      updated_at: NOW,
    })
    expect(session).toMatchObject({ id: SEED_ID, token_count: 4096 })
  })

  it("reads a seeded run", () => {
    const run = deviceRunSchema.parse({
      id: SEED_ID,
      status: "succeeded",
      queued_at: NOW,
      started_at: NOW,
      finished_at: NOW,
      exit_code: 0,
    })
    expect(run.id).toBe(SEED_ID)
  })

  it("reads an audit entry whose ids came from other writers", () => {
    const entry = deviceActivitySchema.parse({
      id: V1_ID,
      action: "device.renamed",
      target_id: SEED_ID,
      created_at: NOW,
      details: { from: "a", to: "b" },
    })
    expect(entry).toMatchObject({ id: V1_ID, target_id: SEED_ID })
  })
})
