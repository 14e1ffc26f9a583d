import { readFileSync } from "node:fs"

import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { generateDatabaseTypes, TYPES_FILE } from "@/scripts/gen-types"

// lib/database.types.ts is generated (npm run db:types); this keeps it from going stale or
// being edited by hand. On the postgres project it also shows both engines agree. What the
// generated types give supabase-js is checked at compile time, in database-types.typecheck.ts.
describe(`generated database types (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("lib/database.types.ts equals a fresh generation from the migrations (run npm run db:types)", async () => {
    const fresh = await generateDatabaseTypes(database.db)
    // A generation that lost the schema would match nothing worth comparing.
    expect(fresh).toContain("cloud_sessions: {")
    expect(readFileSync(TYPES_FILE, "utf8")).toBe(fresh)
  })
})
