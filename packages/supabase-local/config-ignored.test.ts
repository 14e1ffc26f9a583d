import { describe, expect, it } from "vitest"

import { stackConfigSchema } from "./config"
import { ignoredKeys } from "./config-ignored"

describe("config keys the stack does not serve", () => {
  it("are named by their path, a whole unknown table once", () => {
    const raw = {
      project_id: "demo",
      studio: { enabled: true, port: 54323 },
      functions: { "hello-world": { verify_jwt: false } },
      db: { pooler: { enabled: false }, port: 54322, seed: { enabled: true, sql_paths: [] } },
      storage: { file_size_limit: "50MiB", s3_protocol: { enabled: true } },
      api: { port: 54321 },
    }
    const parsed = stackConfigSchema.parse(raw)
    expect(ignoredKeys(raw, parsed)).toEqual([
      "studio",
      "functions",
      "db.pooler",
      "db.port",
      "storage.s3_protocol",
    ])
  })

  it("are none for a config of only served keys", () => {
    const raw = { api: { port: 1 }, storage: { buckets: { avatars: { public: true } } } }
    expect(ignoredKeys(raw, stackConfigSchema.parse(raw))).toEqual([])
  })
})
