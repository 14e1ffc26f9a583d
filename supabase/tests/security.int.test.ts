import { randomUUID } from "node:crypto"

import { anonClient, tokenClient, userToken } from "@lmx/supabase-local/testing/rest-conformance"
import { startTestStack, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import { DEVICES, emailOf, FIXTURES_SQL, ROWS, USERS } from "./ops-fixtures"

// The attacks of docs/security.md's database items, replayed through supabase-js against the
// local stack's REST API, as an outsider with accounts would: each test is named after the
// attack and fails on the schema before its fix.
describe(`security regressions through the REST API (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startTestStack({ seedFiles: [] })
    await stack.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function user(name: keyof typeof USERS, schema = "public", extra = {}) {
    return tokenClient(
      stack,
      await userToken(stack, USERS[name], { email: emailOf(name), ...extra }),
      schema
    )
  }

  // Minted the way the device API mints its own JWT (lib/supabase/device.ts).
  async function deviceApi() {
    const now = Math.floor(Date.now() / 1000)

    return tokenClient(
      stack,
      await stack.keys.signWithSecret({ role: "lmx_device_api", iat: now, exp: now + 60 })
    )
  }

  async function device(owner: keyof typeof USERS, deviceId: string) {
    const now = Math.floor(Date.now() / 1000)
    const token = await stack.keys.signWithSecret({
      sub: USERS[owner],
      role: "authenticated",
      aud: "authenticated",
      device_id: deviceId,
      iat: now,
      exp: now + 300,
    })

    return tokenClient(stack, token)
  }

  describe("invitations need a confirmed address", () => {
    beforeEach(async () => {
      await stack.db.exec(`delete from ops.invitations where id <> '${ROWS.invitation}';
        delete from ops.project_memberships where user_id = '${USERS.newcomer}';
        update auth.users set email_confirmed_at = now() where id = '${USERS.newcomer}'`)
    })

    it("an account whose address is not confirmed cannot accept an invitation sent to that address", async () => {
      const admin = await user("admin", "ops")
      const invited = await admin
        .rpc("invite_member", { p_project_id: ROWS.project, p_email: emailOf("newcomer") })
        .single<{ token: string }>()
      expect(invited.error).toBeNull()
      // The JWT says newcomer@ops.test, as an unconfirmed sign-up's (or an email change in
      // flight's) token would; the account never proved it reads that inbox.
      await stack.db.query("update auth.users set email_confirmed_at = null where id = $1", [
        USERS.newcomer,
      ])

      const newcomer = await user("newcomer", "ops")
      const refused = await newcomer.rpc("accept_invitation", { p_token: invited.data!.token })
      expect(refused.status).toBe(403)
      expect(refused.error?.message).toBe(
        "Confirm your email address before accepting this invitation"
      )
      const members = await stack.db.query(
        "select 1 from ops.project_memberships where user_id = $1",
        [USERS.newcomer]
      )
      expect(members.rows).toEqual([])

      await stack.db.query("update auth.users set email_confirmed_at = now() where id = $1", [
        USERS.newcomer,
      ])
      const accepted = await newcomer.rpc("accept_invitation", { p_token: invited.data!.token })
      expect(accepted.error).toBeNull()
      expect(accepted.data).toBe(ROWS.project)
    })

    it("a token whose email claim names the invitee does not stand in for the account's own address", async () => {
      const admin = await user("admin", "ops")
      const invited = await admin
        .rpc("invite_member", { p_project_id: ROWS.project, p_email: "someone-else@ops.test" })
        .single<{ token: string }>()
      expect(invited.error).toBeNull()
      // The stranger's account is confirmed, but for stranger@ops.test, whatever the JWT says.
      const forged = await user("stranger", "ops", { email: "someone-else@ops.test" })
      const refused = await forged.rpc("accept_invitation", { p_token: invited.data!.token })
      expect(refused.status).toBe(403)
      expect(refused.error?.message).toBe("This invitation was sent to another email address")
    })
  })

  describe("membership only by consent", () => {
    it("an owner cannot make another user a member of their project by inserting a membership", async () => {
      for (const name of ["owner", "admin"] as const) {
        const inserter = await user(name, "ops")
        const inserted = await inserter
          .from("project_memberships")
          .insert({ project_id: ROWS.project, user_id: USERS.newcomer, role: "viewer" })
        expect(inserted.error?.code, name).toBe("42501")
      }
      const stranger = await user("stranger", "ops")
      const intoOwn = await stranger
        .from("project_memberships")
        .insert({ project_id: ROWS.strangerProject, user_id: USERS.developer, role: "owner" })
      expect(intoOwn.error?.code).toBe("42501")
      const rows = await stack.db.query(
        "select 1 from ops.project_memberships where user_id = $1 or (project_id = $2 and user_id = $3)",
        [USERS.newcomer, ROWS.strangerProject, USERS.developer]
      )
      expect(rows.rows).toEqual([])
    })

    it("still makes the creator of a project its owner", async () => {
      const stranger = await user("stranger", "ops")
      const created = await stranger
        .rpc("create_project", { p_name: "Consent" })
        .single<{ id: string }>()
      expect(created.error).toBeNull()
      const members = await stranger
        .from("project_memberships")
        .select("user_id, role")
        .eq("project_id", created.data!.id)
      expect(members.data).toEqual([{ user_id: USERS.stranger, role: "owner" }])
    })
  })

  describe("chats carry only their owner's devices", () => {
    it("a user cannot tag their session or message with another user's device, and the error does not tell whether it exists", async () => {
      const developer = await user("developer")
      const session = await developer
        .from("cloud_sessions")
        .insert({ user_id: USERS.developer, title: "mine" })
        .select("id")
        .single()
      expect(session.error).toBeNull()
      const message = await developer
        .from("cloud_messages")
        .insert({
          session_id: session.data!.id,
          user_id: USERS.developer,
          message_index: 0,
          role: "user",
          content: "hi",
        })
        .select("id")
        .single()
      expect(message.error).toBeNull()

      for (const table of ["cloud_sessions", "cloud_messages"] as const) {
        const id = table === "cloud_sessions" ? session.data!.id : message.data!.id
        const foreign = await developer
          .from(table)
          .update({ device_id: DEVICES.stranger })
          .eq("id", id)
        const unknown = await developer.from(table).update({ device_id: randomUUID() }).eq("id", id)
        expect(foreign.error?.code, table).toBe("42501")
        // Same status, code and words for a device that exists and one that does not.
        expect({ ...unknown.error, status: unknown.status }, table).toEqual({
          ...foreign.error,
          status: foreign.status,
        })
        expect(JSON.stringify(foreign.error)).not.toContain(DEVICES.stranger)

        const own = await developer
          .from(table)
          .update({ device_id: DEVICES.developer })
          .eq("id", id)
          .select("device_id")
        expect(own.error, table).toBeNull()
        expect(own.data).toEqual([{ device_id: DEVICES.developer }])
      }

      const insertedForeign = await developer
        .from("cloud_sessions")
        .insert({ user_id: USERS.developer, device_id: DEVICES.stranger })
      const insertedUnknown = await developer
        .from("cloud_sessions")
        .insert({ user_id: USERS.developer, device_id: randomUUID() })
      expect(insertedForeign.error?.code).toBe("42501")
      expect(insertedUnknown.error).toEqual(insertedForeign.error)
    })

    it("a device cannot re-tag its rows with a sibling device of the same owner", async () => {
      const worker = await device("developer", DEVICES.developer)
      const session = await worker
        .from("cloud_sessions")
        .insert({ user_id: USERS.developer, device_id: DEVICES.developer, title: "synced" })
        .select("id")
        .single()
      expect(session.error).toBeNull()
      await stack.db.query(
        "insert into public.devices (id, user_id, name) values ($1, $2, 'second box')",
        ["0d000000-0000-4000-8000-0000000000f3", USERS.developer]
      )
      const retag = await worker
        .from("cloud_sessions")
        .update({ device_id: "0d000000-0000-4000-8000-0000000000f3" })
        .eq("id", session.data!.id)
      expect(retag.error?.code).toBe("42501")
    })
  })

  describe("only the device API pairs and authenticates devices", () => {
    const DEVICE_SIDE = [
      ["pairing_start", { device_name: "phisher", requested_ip: "192.168.188.11" }],
      ["pairing_poll", { device_code: "0".repeat(64) }],
      ["pairing_exchange", { device_code: "0".repeat(64) }],
      ["device_authenticate", { device_secret: `lmxd_${"0".repeat(64)}` }],
      ["device_identify", { device_secret: `lmxd_${"0".repeat(64)}` }],
    ] as const

    it("the anon key cannot start a pairing with a made-up address, nor call the other device-side functions", async () => {
      const anon = anonClient(stack)
      const viewer = await user("viewer")
      for (const [fn, args] of DEVICE_SIDE) {
        const asAnon = await anon.rpc(fn, args)
        expect(asAnon.error?.code, `anon ${fn}`).toBe("42501")
        const asUser = await viewer.rpc(fn, args)
        expect(asUser.error?.code, `user ${fn}`).toBe("42501")
      }
      const started = await stack.db.query(
        "select 1 from private.pairing_requests where requested_ip = '192.168.188.11'"
      )
      expect(started.rows).toEqual([])
    })

    it("the device API's own role can", async () => {
      const api = await deviceApi()
      const started = await api
        .rpc("pairing_start", { device_name: "box", requested_ip: "203.0.113.9" })
        .single<{ device_code: string }>()
      expect(started.error).toBeNull()
      const polled = await api
        .rpc("pairing_poll", { device_code: started.data!.device_code })
        .single<{ status: string }>()
      expect(polled.data?.status).toBe("authorization_pending")
      const unknown = await api.rpc("device_authenticate", {
        device_secret: `lmxd_${"0".repeat(64)}`,
      })
      expect(unknown.error).toBeNull()
      expect(unknown.data).toEqual([])
      // The role reads and writes no table of its own accord.
      const devices = await api.from("devices").select("id")
      expect(devices.error?.code).toBe("42501")
    })

    it("leaves no security definer function in an API schema that anon may execute (splinter's anon-definer check)", async () => {
      const exposed = await stack.db.query<{ fn: string }>(`
        select n.nspname || '.' || p.proname as fn
          from pg_catalog.pg_proc p
          join pg_catalog.pg_namespace n on n.oid = p.pronamespace
         where p.prosecdef
           and n.nspname in ('public', 'ops')
           and pg_catalog.has_function_privilege('anon', p.oid, 'execute')
         order by 1`)
      expect(exposed.rows).toEqual([])
    })
  })

  describe("signing out everywhere takes effect at once", () => {
    async function sessionClient(name: keyof typeof USERS, schema = "public") {
      const sessionId = randomUUID()
      await stack.db.query(
        "insert into auth.sessions (id, user_id, created_at, updated_at, aal) values ($1, $2, now(), now(), 'aal1')",
        [sessionId, USERS[name]]
      )

      return {
        sessionId,
        client: await user(name, schema, { session_id: sessionId }),
      }
    }

    it("an access token whose session was signed out reads and writes nothing", async () => {
      const { sessionId, client } = await sessionClient("developer")
      const ops = await user("developer", "ops", { session_id: sessionId })
      const before = await client.from("devices").select("id").eq("id", DEVICES.developer)
      expect(before.data).toEqual([{ id: DEVICES.developer }])
      const runs = await ops.from("runs").select("id").eq("id", ROWS.run)
      expect(runs.data).toEqual([{ id: ROWS.run }])

      // Sign out everywhere: Auth deletes the user's sessions; the token itself is still valid.
      await stack.db.query("delete from auth.sessions where user_id = $1", [USERS.developer])

      const after = await client.from("devices").select("id").eq("id", DEVICES.developer)
      expect(after.error).toBeNull()
      expect(after.data).toEqual([])
      expect((await ops.from("runs").select("id").eq("id", ROWS.run)).data).toEqual([])
      const renamed = await client
        .from("devices")
        .update({ name: "hijacked" })
        .eq("id", DEVICES.developer)
        .select("id")
      expect(renamed.data ?? []).toEqual([])
      const created = await ops.rpc("create_project", { p_name: "after sign-out" })
      expect(created.error?.code).toBe("42501")
      const pushed = await client.rpc("sync_push", {
        batch: { sessions: [{ id: randomUUID(), sync_version: 1, title: "late" }] },
      })
      expect(pushed.error?.code).toBe("42501")
    })

    it("a session past its not_after counts as gone; a live one and a device token keep working", async () => {
      const { sessionId, client } = await sessionClient("viewer")
      expect((await client.from("devices").select("id")).data).toEqual([{ id: DEVICES.viewer }])
      await stack.db.query(
        "update auth.sessions set not_after = now() - interval '1 second' where id = $1",
        [sessionId]
      )
      expect((await client.from("devices").select("id")).data).toEqual([])

      const worker = await device("viewer", DEVICES.viewer)
      expect((await worker.from("devices").select("id")).data).toEqual([{ id: DEVICES.viewer }])
    })

    it("a token naming another user's live session is refused", async () => {
      const { sessionId } = await sessionClient("admin")
      const borrowed = await user("viewer", "public", { session_id: sessionId })
      expect((await borrowed.from("devices").select("id")).data).toEqual([])
    })
  })
})
