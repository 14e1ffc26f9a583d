import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, userActor } from "./core-fixtures"
import { ANON, DEVICE_API, failureAs, runAs } from "./rls-harness"

// pairing_code_status: what the pair page says when a code has nothing to approve.
const owner = userActor("owner")
const stranger = userActor("stranger")

describe(`pairing code status (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })
  beforeEach(async () => {
    await database.db.exec("truncate private.pairing_lookup_failures, private.pairing_requests")
  })

  async function start() {
    const { rows } = await runAs(database.db, DEVICE_API, (tx) =>
      tx.query<{ user_code: string }>(
        "select * from public.pairing_start('Studio Mac', 'studio.local', 'macOS', '1.0.0', 'llm_host', '203.0.113.9')"
      )
    )

    return rows[0]!.user_code
  }
  const status = async (actor: typeof owner, code: string) =>
    (
      await runAs(database.db, actor, (tx) =>
        tx.query<{ status: string }>("select public.pairing_code_status($1) as status", [code])
      )
    ).rows[0]!.status
  const failures = async () =>
    Number(
      (
        await database.db.query<{ n: string }>(
          "select count(*)::text as n from private.pairing_lookup_failures"
        )
      ).rows[0]!.n
    )

  it("says pending for a code waiting for a decision, without counting a failure", async () => {
    const code = await start()
    expect(await status(owner, code.toLowerCase())).toBe("pending")
    expect(await failures()).toBe(0)
  })

  it("tells expired, used, denied and unknown codes apart, counting each as one failed attempt", async () => {
    const expired = await start()
    await database.db.exec(
      "update private.pairing_requests set expires_at = now() - interval '1 second'"
    )
    const used = await start()
    await runAs(database.db, owner, (tx) => tx.query("select public.pairing_approve($1)", [used]))
    const denied = await start()
    await runAs(database.db, owner, (tx) => tx.query("select public.pairing_deny($1)", [denied]))

    expect(await status(owner, expired)).toBe("expired")
    // Used by someone else is still used: the code is spent either way.
    expect(await status(stranger, used)).toBe("used")
    expect(await status(owner, denied)).toBe("denied")
    expect(await status(owner, "BBBB-BBBB")).toBe("unknown")
    expect(await status(owner, "not a code")).toBe("unknown")
    expect(await failures()).toBe(5)
  })

  it("shares pairing_lookup's bound on wrong guesses", async () => {
    for (let i = 0; i < 10; i += 1) expect(await status(owner, "BBBB-BBBB")).toBe("unknown")
    const code = await start()
    const error = await failureAs(database.db, owner, (tx) =>
      tx.query("select public.pairing_code_status($1)", [code])
    )
    expect(error.message).toMatch(/too many pairing code attempts/)
    // Another user is not locked out by the first one's guesses.
    expect(await status(stranger, code)).toBe("pending")
  })

  it("is refused to anon and to device JWTs", async () => {
    const code = await start()
    const anonError = await failureAs(database.db, ANON, (tx) =>
      tx.query("select public.pairing_code_status($1)", [code])
    )
    expect(anonError.message).toMatch(/permission denied/)
    const device = deviceActor("owner", DEVICES.owner)
    const deviceError = await failureAs(database.db, device, (tx) =>
      tx.query("select public.pairing_code_status($1)", [code])
    )
    expect(deviceError.message).toMatch(/sign in to pair a device/)
  })
})
