import path from "node:path"

import { type Queryable } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  PROJECT_ROOT,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import { workflowDefinitionSchema } from "@/lib/workflows/definition"

import { FIXTURES_SQL, ROWS, userActor, USERS } from "./ops-fixtures"
import { ANON, failureAs, runAs, signedInUser, tryAs } from "./rls-harness"

// The projects pages' database side: invitations from sending to accepting (expiry, resend,
// decline, the wrong address), last-owner protection, ownership transfer, a removed member's
// queued runs, slugs, the summary view and the members function.
const P = ROWS.project
const NEWCOMER = signedInUser(USERS.newcomer, "newcomer@ops.test")
// Another account: accept_invitation reads the caller's address from auth.users, so a token
// with a different email claim on the invitee's own account proves nothing (issue 17).
const OUTSIDER = userActor("stranger")

describe(`projects: invitations, members and ownership (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
  })
  beforeEach(async () => {
    await database.db.exec(
      `truncate ops.projects, public.audit_log, public.devices, auth.users cascade;`
    )
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  async function invite(email: string, role = "developer") {
    const { rows } = await runAs(database.db, userActor("owner"), (tx) =>
      tx.query<{ invitation_id: string; token: string }>(
        "select * from ops.invite_member($1, $2, $3)",
        [P, email, role]
      )
    )
    return rows[0]!
  }

  it("previews an invitation by its token to a signed-in holder, never to anon", async () => {
    const { token } = await invite("newcomer@ops.test")
    const anon = await tryAs(database.db, ANON, (tx) =>
      tx.query("select 1 from ops.get_invitation($1)", [token])
    )
    expect(anon.ok).toBe(false)
    const preview = await runAs(database.db, NEWCOMER, (tx) =>
      tx.query("select project_name, email, role, status from ops.get_invitation($1)", [token])
    )
    expect(preview.rows).toEqual([
      {
        project_name: "Fixture project",
        email: "newcomer@ops.test",
        role: "developer",
        status: "pending",
      },
    ])
    const wrong = await runAs(database.db, NEWCOMER, (tx) =>
      tx.query("select 1 from ops.get_invitation('not-a-token')")
    )
    expect(wrong.rows).toHaveLength(0)
  })

  it("accepts with the invited address and refuses another one with a clear message", async () => {
    const { token } = await invite("newcomer@ops.test")
    const error = await failureAs(database.db, OUTSIDER, (tx) =>
      tx.query("select ops.accept_invitation($1)", [token])
    )
    expect(error.message).toMatch(/sent to another email address/)

    await runAs(database.db, NEWCOMER, (tx) =>
      tx.query("select ops.accept_invitation($1)", [token])
    )
    const role = await database.db.query<{ role: string }>(
      "select role from ops.project_memberships where project_id = $1 and user_id = $2",
      [P, USERS.newcomer]
    )
    expect(role.rows[0]?.role).toBe("developer")
  })

  it("refuses an expired invitation", async () => {
    const { token, invitation_id } = await invite("newcomer@ops.test")
    await database.db.query(
      "update ops.invitations set expires_at = now() - interval '1 minute' where id = $1",
      [invitation_id]
    )
    const error = await failureAs(database.db, NEWCOMER, (tx) =>
      tx.query("select ops.accept_invitation($1)", [token])
    )
    expect(error.message).toMatch(/expired/)
    const preview = await runAs(database.db, NEWCOMER, (tx) =>
      tx.query<{ status: string }>("select status from ops.get_invitation($1)", [token])
    )
    expect(preview.rows[0]?.status).toBe("expired")
  })

  it("kills the old link when an invitation is resent, and renews its expiry", async () => {
    const first = await invite("newcomer@ops.test")
    await database.db.query(
      "update ops.invitations set expires_at = now() + interval '1 hour' where id = $1",
      [first.invitation_id]
    )
    const { rows } = await runAs(database.db, userActor("admin"), (tx) =>
      tx.query<{ token: string; expires_at: Date }>(
        "select token, expires_at from ops.resend_invitation($1)",
        [first.invitation_id]
      )
    )
    const second = rows[0]!
    expect(second.token).not.toBe(first.token)
    expect(new Date(second.expires_at).getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000)

    const error = await failureAs(database.db, NEWCOMER, (tx) =>
      tx.query("select ops.accept_invitation($1)", [first.token])
    )
    expect(error.message).toMatch(/not valid/)
    await runAs(database.db, NEWCOMER, (tx) =>
      tx.query("select ops.accept_invitation($1)", [second.token])
    )
  })

  it("lets the invitee decline, after which the link is dead and the address can be invited again", async () => {
    const { token, invitation_id } = await invite("newcomer@ops.test")
    const stranger = await failureAs(database.db, OUTSIDER, (tx) =>
      tx.query("select ops.decline_invitation($1)", [invitation_id])
    )
    expect(stranger.message).toMatch(/No such invitation/)

    await runAs(database.db, NEWCOMER, (tx) =>
      tx.query("select ops.decline_invitation($1)", [invitation_id])
    )
    const preview = await runAs(database.db, NEWCOMER, (tx) =>
      tx.query<{ status: string }>("select status from ops.get_invitation($1)", [token])
    )
    expect(preview.rows[0]?.status).toBe("declined")
    await expect(
      failureAs(database.db, NEWCOMER, (tx) =>
        tx.query("select ops.accept_invitation($1)", [token])
      )
    ).resolves.toBeDefined()
    await invite("newcomer@ops.test")
    const audit = await database.db.query(
      "select 1 from public.audit_log where action = 'invitation.declined' and target_id = $1",
      [invitation_id]
    )
    expect(audit.rows).toHaveLength(1)
  })

  it("accepts from the project list by id, through accept_invitation's own checks", async () => {
    const { invitation_id, token } = await invite("newcomer@ops.test")
    const outsider = await failureAs(database.db, OUTSIDER, (tx) =>
      tx.query("select ops.accept_invitation_by_id($1)", [invitation_id])
    )
    expect(outsider.message).toMatch(/No such invitation/)
    // A refused attempt leaves the mailed link working.
    await database.db.query(
      "update ops.invitations set expires_at = now() - interval '1 second' where id = $1",
      [invitation_id]
    )
    await failureAs(database.db, NEWCOMER, (tx) =>
      tx.query("select ops.accept_invitation_by_id($1)", [invitation_id])
    )
    const still = await runAs(database.db, NEWCOMER, (tx) =>
      tx.query<{ status: string }>("select status from ops.get_invitation($1)", [token])
    )
    expect(still.rows[0]?.status).toBe("expired")

    await database.db.query(
      "update ops.invitations set expires_at = now() + interval '1 day' where id = $1",
      [invitation_id]
    )
    const accepted = await runAs(database.db, NEWCOMER, (tx) =>
      tx.query<{ project: string }>("select ops.accept_invitation_by_id($1) as project", [
        invitation_id,
      ])
    )
    expect(accepted.rows[0]?.project).toBe(P)
  })

  it("records a failed email for admins to see, and clears it on a later success", async () => {
    const { invitation_id } = await invite("newcomer@ops.test")
    const denied = await failureAs(database.db, userActor("developer"), (tx) =>
      tx.query("select ops.record_invitation_email($1, 'boom')", [invitation_id])
    )
    expect(denied.message).toMatch(/owners and admins/)
    await runAs(database.db, userActor("owner"), (tx) =>
      tx.query("select ops.record_invitation_email($1, 'rate limited')", [invitation_id])
    )
    const failed = await database.db.query<{ email_error: string | null }>(
      "select email_error from ops.invitations where id = $1",
      [invitation_id]
    )
    expect(failed.rows[0]?.email_error).toBe("rate limited")
    await runAs(database.db, userActor("owner"), (tx) =>
      tx.query("select ops.record_invitation_email($1, null)", [invitation_id])
    )
    const cleared = await database.db.query<{ email_error: string | null }>(
      "select email_error from ops.invitations where id = $1",
      [invitation_id]
    )
    expect(cleared.rows[0]?.email_error).toBeNull()
  })

  it("refuses to demote, remove or let go of the last owner", async () => {
    const owner = userActor("owner")
    const demote = await failureAs(database.db, owner, (tx) =>
      tx.query(
        "update ops.project_memberships set role = 'admin' where project_id = $1 and user_id = $2",
        [P, USERS.owner]
      )
    )
    expect(demote.message).toMatch(/last owner/)
    const leave = await failureAs(database.db, owner, (tx) =>
      tx.query("delete from ops.project_memberships where project_id = $1 and user_id = $2", [
        P,
        USERS.owner,
      ])
    )
    expect(leave.message).toMatch(/last owner/)
    // An admin cannot touch an owner at all (RLS), so removal is a no-op for them.
    const removal = await tryAs(database.db, userActor("admin"), (tx) =>
      tx.query("delete from ops.project_memberships where project_id = $1 and user_id = $2", [
        P,
        USERS.owner,
      ])
    )
    expect(removal.ok && removal.value.rowCount).toBe(0)
  })

  it("transfers ownership in one step: the member becomes owner, the caller admin", async () => {
    const notOwner = await failureAs(database.db, userActor("admin"), (tx) =>
      tx.query("select ops.transfer_ownership($1, $2)", [P, USERS.developer])
    )
    expect(notOwner.message).toMatch(/Only an owner/)
    const notMember = await failureAs(database.db, userActor("owner"), (tx) =>
      tx.query("select ops.transfer_ownership($1, $2)", [P, USERS.stranger])
    )
    expect(notMember.message).toMatch(/member of the project/)

    await runAs(database.db, userActor("owner"), (tx) =>
      tx.query("select ops.transfer_ownership($1, $2)", [P, USERS.developer])
    )
    const roles = await database.db.query<{ user_id: string; role: string }>(
      "select user_id, role from ops.project_memberships where project_id = $1 and user_id in ($2, $3) order by role",
      [P, USERS.owner, USERS.developer]
    )
    expect(roles.rows).toEqual([
      { user_id: USERS.owner, role: "admin" },
      { user_id: USERS.developer, role: "owner" },
    ])
    // Now the former owner may leave; the new one may not (last owner).
    await runAs(database.db, userActor("owner"), (tx) =>
      tx.query(
        "delete from ops.project_memberships where project_id = $1 and user_id = auth.uid()",
        [P]
      )
    )
    const last = await failureAs(database.db, userActor("developer"), (tx) =>
      tx.query(
        "delete from ops.project_memberships where project_id = $1 and user_id = auth.uid()",
        [P]
      )
    )
    expect(last.message).toMatch(/last owner/)
  })

  it("cancels a removed member's queued runs in the project, and only those", async () => {
    const queued = await runAs(database.db, userActor("developer"), (tx) =>
      tx.query<{ id: string }>("select id from ops.queue_run($1)", [ROWS.workflow])
    )
    const ownersRun = await runAs(database.db, userActor("owner"), (tx) =>
      tx.query<{ id: string }>("select id from ops.queue_run($1)", [ROWS.workflow])
    )
    await runAs(database.db, userActor("admin"), (tx) =>
      tx.query("delete from ops.project_memberships where project_id = $1 and user_id = $2", [
        P,
        USERS.developer,
      ])
    )
    const status = await database.db.query<{ id: string; status: string }>(
      "select id, status from ops.runs where id in ($1, $2)",
      [queued.rows[0]!.id, ownersRun.rows[0]!.id]
    )
    expect(Object.fromEntries(status.rows.map((r) => [r.id, r.status]))).toEqual({
      [queued.rows[0]!.id]: "canceled",
      [ownersRun.rows[0]!.id]: "queued",
    })
  })

  it("gives every project a unique slug and lets create_project choose one", async () => {
    const created = await runAs(database.db, userActor("stranger"), (tx) =>
      tx.query<{ slug: string }>("select slug from ops.create_project('Fixture project', '')")
    )
    expect(created.rows[0]?.slug).toBe("fixture-project-2")
    const chosen = await runAs(database.db, userActor("stranger"), (tx) =>
      tx.query<{ slug: string }>("select slug from ops.create_project('Lab', '', 'my-lab')")
    )
    expect(chosen.rows[0]?.slug).toBe("my-lab")
    const taken = await failureAs(database.db, userActor("owner"), (tx) =>
      tx.query("select ops.create_project('Other', '', 'my-lab')")
    )
    expect(taken.message).toMatch(/projects_slug_key|duplicate/)
    const malformed = await failureAs(database.db, userActor("owner"), (tx) =>
      tx.query("select ops.create_project('Other', '', 'Not A Slug')")
    )
    expect(malformed.message).toMatch(/projects_slug_format/)
  })

  it("summarises only the caller's projects, and lists members with email to members only", async () => {
    const summary = await runAs(database.db, userActor("viewer"), (tx) =>
      tx.query<{ id: string; my_role: string; member_count: string }>(
        "select id, my_role, member_count from ops.project_summaries"
      )
    )
    expect(summary.rows).toEqual([{ id: P, my_role: "viewer", member_count: "4" }])

    const members = await runAs(database.db, userActor("viewer"), (tx) =>
      tx.query<{ email: string; role: string }>(
        "select email, role from ops.list_project_members($1)",
        [P]
      )
    )
    expect(members.rows.map((m) => m.role)).toEqual(["owner", "admin", "developer", "viewer"])
    expect(members.rows[0]?.email).toBe("owner@ops.test")
    const stranger = await runAs(database.db, userActor("stranger"), (tx) =>
      tx.query("select 1 from ops.list_project_members($1)", [P])
    )
    expect(stranger.rows).toHaveLength(0)
  })
})

describe(`workflow definitions in the database (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  const insert = (definition: unknown) => (tx: Queryable) =>
    tx.query(
      "insert into ops.workflows (project_id, name, kind, definition, created_by) values ($1, 'wf', 'custom', $2, auth.uid())",
      [P, JSON.stringify(definition)]
    )

  it.each([
    [
      {
        version: 1,
        steps: [
          { name: "a", run: "x" },
          { name: "b", uses: "upload-artifact", with: { path: "d/*" } },
          { name: "c", uses: "backup-postgres" },
        ],
      },
    ],
    [{ steps: [{ run: "npm ci" }] }],
    [{}],
  ])("accepts %j", async (definition) => {
    const result = await tryAs(database.db, userActor("developer"), insert(definition))
    if (!result.ok) throw result.error
  })

  it.each([
    [{ version: 2, steps: [] }, /version must be 1/],
    [{ version: 1, steps: [] }, /at least one step/],
    [
      { version: 1, steps: [{ name: "a", run: "x", uses: "upload-artifact" }] },
      /exactly one of run or uses/,
    ],
    [{ version: 1, steps: [{ name: "a", uses: "upload-artifact", with: {} }] }, /with.path/],
    [{ version: 1, steps: [{ name: "a", uses: "deploy" }] }, /backup-postgres or upload-artifact/],
    [
      { version: 1, steps: [{ name: "a", run: "x", timout_seconds: 5 }] },
      /unknown key "timout_seconds"/,
    ],
    [
      {
        version: 1,
        inputs: { n: { type: "number", default: "1" } },
        steps: [{ name: "a", run: "x" }],
      },
      /default must be a number/,
    ],
    [
      {
        version: 1,
        steps: [
          { name: "a", run: "x" },
          { name: "a", run: "y" },
        ],
      },
      /used by an earlier step/,
    ],
    [{ steps: [{ name: "no command" }] }, /needs a run command/],
  ])("refuses %j", async (definition, message) => {
    const error = await failureAs(database.db, userActor("developer"), insert(definition))
    expect(error.message).toMatch(/Invalid workflow definition/)
    expect(error.message).toMatch(message)
  })

  it("agrees with the zod schema on the same examples", () => {
    expect(
      workflowDefinitionSchema.safeParse({
        version: 1,
        steps: [{ name: "a", run: "x", timout_seconds: 5 }],
      }).success
    ).toBe(false)
  })
})

describe(`projects seed (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({
      seedFiles: ["supabase/seed.sql", "supabase/seed_ops.sql", "supabase/seed_projects.sql"].map(
        (file) => path.join(PROJECT_ROOT, file)
      ),
    })
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("shows the demo account its projects, an invitation to accept and every workflow kind", async () => {
    const demo = signedInUser("00000000-0000-4000-a000-000000000001", "demo@lmx.local")
    const seen = await runAs(database.db, demo, async (tx) => ({
      projects: (await tx.query("select slug, my_role from ops.project_summaries order by slug"))
        .rows,
      invitations: (
        await tx.query(
          "select i.role from ops.invitations i where i.email = 'demo@lmx.local' and accepted_at is null and revoked_at is null"
        )
      ).rows,
      kinds: (
        await tx.query<{ kind: string }>("select distinct kind from ops.workflows order by kind")
      ).rows.map((r) => r.kind),
    }))
    expect(seen.projects).toEqual([
      { slug: "docs-site", my_role: "admin" },
      { slug: "studio-inference", my_role: "owner" },
    ])
    expect(seen.invitations).toEqual([{ role: "developer" }])
    expect(seen.kinds).toEqual([
      "backup",
      "build",
      "custom",
      "deploy",
      "maintenance",
      "test",
      "upgrade",
    ])
  })
})
