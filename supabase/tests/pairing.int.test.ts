import { type Queryable } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, userActor, USERS } from "./core-fixtures"
import { ANON, DEVICE_API, failureAs, runAs } from "./rls-harness"

// Device pairing per RFC 8628, driven the way the device API and the pair page drive it:
// the device side as the device API's own role, the person as a signed-in user.
const owner = userActor("owner")
const stranger = userActor("stranger")

type Started = {
  device_code: string
  user_code: string
  expires_at: string
  interval_seconds: number
}

describe(`device pairing (${TEST_ENGINE})`, () => {
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

  async function start(name = "Studio Mac", ip = "203.0.113.7"): Promise<Started> {
    const { rows } = await runAs(database.db, DEVICE_API, (tx) =>
      tx.query<Started>(
        "select * from public.pairing_start($1, 'studio.local', 'macOS 15.3', '1.8.2', 'llm_host', $2)",
        [name, ip]
      )
    )

    return rows[0]!
  }

  const lookup = (tx: Queryable, code: string) =>
    tx.query<{
      id: string
      device_name: string
      hostname: string
      requested_ip: string
    }>("select * from public.pairing_lookup($1)", [code])
  const poll = async (deviceCode: string) =>
    (
      await runAs(database.db, DEVICE_API, (tx) =>
        tx.query<{ status: string; interval_seconds: number }>(
          "select * from public.pairing_poll($1)",
          [deviceCode]
        )
      )
    ).rows[0]!
  const exchange = async (deviceCode: string) =>
    (
      await runAs(database.db, DEVICE_API, (tx) =>
        tx.query<{ device_id: string; user_id: string; device_secret: string }>(
          "select * from public.pairing_exchange($1)",
          [deviceCode]
        )
      )
    ).rows[0]!
  // Polls are rate limited; tests that poll twice in a row pretend the interval passed.
  const letIntervalPass = () =>
    database.db.exec(
      "update private.pairing_requests set last_polled_at = now() - interval '1 minute'"
    )

  it("starts with an 8-letter user code from the 20 consonants and a high-entropy device code, expiring in 10 minutes", async () => {
    const started = await start()
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    expect(started.device_code).toMatch(/^[0-9a-f]{64}$/)
    expect(started.interval_seconds).toBe(5)
    const minutes = (Date.parse(started.expires_at) - Date.now()) / 60_000
    expect(minutes).toBeGreaterThan(9)
    expect(minutes).toBeLessThanOrEqual(10.5)
  })

  it("stores codes only as hashes", async () => {
    const started = await start()
    const { rows } = await database.db.query<{ row: string }>(
      "select row_to_json(r)::text as row from private.pairing_requests r"
    )
    expect(rows).toHaveLength(1)
    const stored = rows[0]!.row
    expect(stored).not.toContain(started.device_code)
    expect(stored).not.toContain(started.user_code.replace("-", ""))
    expect(stored).not.toContain(started.user_code)
  })

  it("shows the signed-in user what is asking, matching the code whatever its case, dashes and spaces", async () => {
    const started = await start()
    const raw = started.user_code.replace("-", "")
    for (const typed of [
      started.user_code,
      raw.toLowerCase(),
      `${raw.slice(0, 2)} ${raw.slice(2, 6)}-${raw.slice(6)}`,
    ]) {
      const { rows } = await runAs(database.db, owner, (tx) => lookup(tx, typed))
      expect(rows, typed).toHaveLength(1)
      expect(rows[0]).toMatchObject({
        device_name: "Studio Mac",
        hostname: "studio.local",
        requested_ip: "203.0.113.7",
      })
    }
  })

  it("refuses lookups and decisions from anon, the device API's role and device JWTs", async () => {
    const started = await start()
    for (const actor of [ANON, DEVICE_API]) {
      const error = await failureAs(database.db, actor, (tx) => lookup(tx, started.user_code))
      expect(error.message).toMatch(/permission denied/)
    }
    const device = deviceActor("owner", DEVICES.owner)
    const deviceError = await failureAs(database.db, device, (tx) =>
      tx.query("select public.pairing_approve($1)", [started.user_code])
    )
    expect(deviceError.message).toMatch(/sign in/)
  })

  it("approves (renaming), lets the device poll and exchange its code once for a secret, audited in the same transaction", async () => {
    const started = await start()
    expect((await poll(started.device_code)).status).toBe("authorization_pending")

    const deviceId = await runAs(database.db, owner, async (tx) => {
      const { rows } = await tx.query<{ id: string | null }>(
        "select public.pairing_approve($1, 'Renamed Mac') as id",
        [started.user_code]
      )
      const { rows: audit } = await tx.query<{
        action: string
        target_id: string
      }>("select action, target_id from public.audit_log where action = 'device.pairing_approved'")
      expect(audit).toEqual([{ action: "device.pairing_approved", target_id: rows[0]!.id }])

      return rows[0]!.id
    })
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/)

    await letIntervalPass()
    expect((await poll(started.device_code)).status).toBe("approved")
    const secret = await exchange(started.device_code)
    expect(secret).toMatchObject({ device_id: deviceId, user_id: USERS.owner })
    expect(secret.device_secret).toMatch(/^lmxd_[0-9a-f]{64}$/)

    const { rows: device } = await database.db.query(
      "select name, role, hostname, user_id from public.devices where id = $1",
      [deviceId]
    )
    expect(device).toEqual([
      {
        name: "Renamed Mac",
        role: "llm_host",
        hostname: "studio.local",
        user_id: USERS.owner,
      },
    ])

    // Single use: the code is spent, the secret is never handed out again.
    const again = await failureAs(database.db, DEVICE_API, (tx) =>
      tx.query("select * from public.pairing_exchange($1)", [started.device_code])
    )
    expect(again.message).toMatch(/already used/)
    await letIntervalPass()
    expect((await poll(started.device_code)).status).toBe("expired_token")
    // And the user code no longer matches anything.
    const { rows: gone } = await runAs(database.db, owner, (tx) => lookup(tx, started.user_code))
    expect(gone).toHaveLength(0)
  })

  it("authenticates a device by its secret until it is revoked, and never lets anyone read the secret", async () => {
    const started = await start()
    await runAs(database.db, owner, (tx) =>
      tx.query("select public.pairing_approve($1)", [started.user_code])
    )
    const { device_id: deviceId, device_secret: secret } = await exchange(started.device_code)

    const authenticate = () =>
      runAs(database.db, DEVICE_API, (tx) =>
        tx.query("select * from public.device_authenticate($1)", [secret])
      )
    expect((await authenticate()).rows).toEqual([
      { device_id: deviceId, user_id: USERS.owner, device_name: "Studio Mac" },
    ])
    const { rows: wrong } = await runAs(database.db, DEVICE_API, (tx) =>
      tx.query("select * from public.device_authenticate($1)", [
        `${secret.slice(0, -1)}${secret.endsWith("0") ? "1" : "0"}`, // never the real secret
      ])
    )
    expect(wrong).toHaveLength(0)

    // Only a hash is stored, and no API role can reach even that.
    const { rows: stored } = await database.db.query<{ secret_hash: string }>(
      "select encode(secret_hash, 'hex') as secret_hash from private.device_secrets where device_id = $1",
      [deviceId]
    )
    expect(stored[0]!.secret_hash).not.toContain(secret.slice(5))
    for (const actor of [owner, ANON, DEVICE_API, deviceActor("owner", deviceId)]) {
      const error = await failureAs(database.db, actor, (tx) =>
        tx.query("select * from private.device_secrets")
      )
      expect(error.message).toMatch(/permission denied/)
    }
    const { rows: columns } = await database.db.query(
      "select column_name from information_schema.columns where table_schema = 'public' and column_name ilike '%secret%'"
    )
    expect(columns).toEqual([])

    await runAs(database.db, owner, (tx) =>
      tx.query("update public.devices set revoked_at = now() where id = $1", [deviceId])
    )
    expect((await authenticate()).rows).toEqual([])
  })

  it("denies: the device learns access_denied, the code cannot be exchanged, and the denial is audited", async () => {
    const countDevices = async () =>
      (await database.db.query<{ n: string }>("select count(*) as n from public.devices")).rows[0]!
        .n
    const devicesBefore = await countDevices()
    const started = await start()
    const { rows } = await runAs(database.db, owner, (tx) =>
      tx.query<{ denied: boolean }>("select public.pairing_deny($1) as denied", [started.user_code])
    )
    expect(rows[0]!.denied).toBe(true)
    expect((await poll(started.device_code)).status).toBe("access_denied")
    const error = await failureAs(database.db, DEVICE_API, (tx) =>
      tx.query("select * from public.pairing_exchange($1)", [started.device_code])
    )
    expect(error.message).toMatch(/denied/)
    const { rows: audit } = await database.db.query(
      "select action, actor_user_id from public.audit_log where action = 'device.pairing_denied'"
    )
    expect(audit).toEqual([{ action: "device.pairing_denied", actor_user_id: USERS.owner }])
    expect(await countDevices()).toBe(devicesBefore)
  })

  it("expires codes after 10 minutes", async () => {
    const started = await start()
    await database.db.exec(
      "update private.pairing_requests set created_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute'"
    )
    const { rows } = await runAs(database.db, owner, (tx) => lookup(tx, started.user_code))
    expect(rows).toHaveLength(0)
    const { rows: approved } = await runAs(database.db, owner, (tx) =>
      tx.query("select public.pairing_approve($1) as id", [started.user_code])
    )
    expect(approved).toEqual([{ id: null }])
    expect((await poll(started.device_code)).status).toBe("expired_token")
    const error = await failureAs(database.db, DEVICE_API, (tx) =>
      tx.query("select * from public.pairing_exchange($1)", [started.device_code])
    )
    expect(error.message).toMatch(/expired/)
  })

  it("answers slow_down to a device polling faster than the interval, and widens the interval", async () => {
    const started = await start()
    expect(await poll(started.device_code)).toEqual({
      status: "authorization_pending",
      interval_seconds: 5,
    })
    expect(await poll(started.device_code)).toEqual({
      status: "slow_down",
      interval_seconds: 10,
    })
    expect(await poll(started.device_code)).toEqual({
      status: "slow_down",
      interval_seconds: 15,
    })
    expect(await poll("not-a-code")).toMatchObject({ status: "invalid_grant" })
  })

  it("cannot be exchanged before approval", async () => {
    const started = await start()
    const error = await failureAs(database.db, DEVICE_API, (tx) =>
      tx.query("select * from public.pairing_exchange($1)", [started.device_code])
    )
    expect(error.message).toMatch(/authorization_pending/)
  })

  it("bounds wrong-code guesses per user: after 10 misses in 15 minutes even the right code is refused", async () => {
    const started = await start()
    for (let guess = 0; guess < 10; guess++) {
      const { rows } = await runAs(database.db, stranger, (tx) =>
        lookup(tx, `BCDF-GHJ${"BCDFGHJKLM"[guess]}`)
      )
      expect(rows).toHaveLength(0)
    }
    const error = await failureAs(database.db, stranger, (tx) => lookup(tx, started.user_code))
    expect(error.message).toMatch(/too many pairing code attempts/)
    const approveError = await failureAs(database.db, stranger, (tx) =>
      tx.query("select public.pairing_approve($1)", [started.user_code])
    )
    expect(approveError.message).toMatch(/too many pairing code attempts/)
    // Other users are not locked out by one user's guessing.
    const { rows } = await runAs(database.db, owner, (tx) => lookup(tx, started.user_code))
    expect(rows).toHaveLength(1)
  })

  // The old global cap (1,000 misses per 15 minutes across everyone) let 100 accounts lock
  // every user out of pairing: other accounts' misses must cost this user nothing.
  it("lets no number of other accounts' wrong guesses lock a user out of pairing", async () => {
    const started = await start()
    await database.db.exec(`
      insert into private.pairing_lookup_failures (user_id, at)
      select case when i % 2 = 0 then '${USERS.viewer}'::uuid else '${USERS.developer}'::uuid end, now() - interval '1 minute'
        from generate_series(1, 5000) as i
    `)
    const { rows } = await runAs(database.db, owner, (tx) => lookup(tx, started.user_code))
    expect(rows).toHaveLength(1)
    const error = await failureAs(database.db, userActor("viewer"), (tx) =>
      lookup(tx, started.user_code)
    )
    expect(error.message).toMatch(/too many pairing code attempts/)
  })

  it("bounds a patient guesser: 20 misses in 24 hours, however slowly", async () => {
    const started = await start()
    // 19 misses spread over the day, never 10 within 15 minutes.
    await database.db.exec(`
      insert into private.pairing_lookup_failures (user_id, at)
      select '${USERS.stranger}'::uuid, now() - (i * interval '1 hour')
        from generate_series(1, 19) as i
    `)
    const { rows: wrong } = await runAs(database.db, stranger, (tx) => lookup(tx, "BBBB-BBBB"))
    expect(wrong).toHaveLength(0) // the 20th miss
    const error = await failureAs(database.db, stranger, (tx) => lookup(tx, started.user_code))
    expect(error.message).toMatch(/too many pairing code attempts/)
    await database.db.exec("update private.pairing_lookup_failures set at = at - interval '1 day'")
    const { rows } = await runAs(database.db, stranger, (tx) => lookup(tx, started.user_code))
    expect(rows).toHaveLength(1)
  })

  it("limits pairing requests per address", async () => {
    for (let i = 0; i < 20; i++) await start(`box ${i}`, "198.51.100.1")
    const error = await failureAs(database.db, DEVICE_API, (tx) =>
      tx.query(
        "select * from public.pairing_start('one more', null, null, null, 'workstation', '198.51.100.1')"
      )
    )
    expect(error.message).toMatch(/too many pairing requests/)
    await expect(start("other address", "198.51.100.2")).resolves.toMatchObject({
      interval_seconds: 5,
    })
  })
})
