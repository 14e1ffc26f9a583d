import { type Database } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, userActor, USERS } from "./ops-fixtures"
import { describeRlsMatrix, failureAs, tryAs, type Actor, type MatrixRow } from "./rls-harness"

// Step-up enforced by the database (20261203024000_step_up_sensitive_writes.sql): for an
// account with a verified second factor, the sensitive writes need aal2 in the token. The same
// statements run as that account at aal1 and aal2, as accounts without a verified factor, and
// as the account's own device (whose token carries no aal).

const OWNER_DEVICE = "0d000000-0000-4000-8000-0000000000a1"
const USER_CODE = "BCDF-GHJK"

const withAal = (actor: Actor, aal: "aal1" | "aal2"): Actor => ({
  ...actor,
  claims: { ...actor.claims, aal },
})

const ACTORS = {
  ownerAal1: withAal(userActor("owner"), "aal1"),
  ownerAal2: withAal(userActor("owner"), "aal2"),
  // No factor at all.
  admin: withAal(userActor("admin"), "aal1"),
  // Only an unverified factor (a setup never finished): nothing owed.
  developer: withAal(userActor("developer"), "aal1"),
  // A verified factor, aal1: may still leave a project themselves.
  viewerAal1: withAal(userActor("viewer"), "aal1"),
  ownerDevice: deviceActor("owner", OWNER_DEVICE),
} satisfies Record<string, Actor>

type Operation = "select" | "insert" | "update" | "delete"

// prettier-ignore
const MATRIX: MatrixRow<Operation>[] = [
  //                                         ownerAal1 ownerAal2 admin developer viewerAal1 ownerDevice
  ["approve a pairing",          "select",   "no",     "ok",     "ok", "ok",     "no",      "no"],
  ["revoke own device",          "update",   "no",     "ok",     "ok", "ok",     "no",      "no"],
  ["delete own device",          "delete",   "no",     "ok",     "ok", "ok",     "no",      "no"],
  ["change a member's role",     "update",   "no",     "ok",     "ok", "no",     "no",      "no"],
  // The viewer's own membership: for them this is leaving, which owes nothing.
  ["remove a member",            "delete",   "no",     "ok",     "ok", "no",     "ok",      "no"],
  ["leave a project",            "delete",   "no",     "no",     "ok", "ok",     "ok",      "no"],
  ["transfer ownership",         "select",   "no",     "ok",     "no", "no",     "no",      "no"],
  ["ops.workflows",              "insert",   "no",     "ok",     "ok", "ok",     "no",      "no"],
  ["ops.workflows",              "update",   "no",     "ok",     "ok", "ok",     "no",      "no"],
  ["ops.workflows",              "delete",   "no",     "ok",     "ok", "no",     "no",      "no"],
  ["delete own session",         "update",   "no",     "ok",     "ok", "ok",     "no",      "ok"],
  // Not sensitive: the same accounts at aal1 go on renaming devices and pinning sessions.
  ["rename own device",          "update",   "ok",     "ok",     "ok", "ok",     "ok",      "no"],
  ["pin own session",            "update",   "ok",     "ok",     "ok", "ok",     "ok",      "no"],
]

const P = ROWS.project
const OWN_LIVE_DEVICE = `user_id = auth.uid() and revoked_at is null`

const STATEMENTS: Record<string, Partial<Record<Operation, string>>> = {
  "approve a pairing": {
    select: `select d from public.pairing_approve('${USER_CODE}') as d where d is not null`,
  },
  "revoke own device": {
    update: `update public.devices set revoked_at = now() where ${OWN_LIVE_DEVICE}`,
  },
  "delete own device": {
    delete: `delete from public.devices where ${OWN_LIVE_DEVICE}`,
  },
  "rename own device": {
    update: `update public.devices set name = 'renamed' where ${OWN_LIVE_DEVICE}`,
  },
  "change a member's role": {
    update: `update ops.project_memberships set role = 'viewer' where id = '${ROWS.developerMembership}'`,
  },
  "remove a member": {
    delete: `delete from ops.project_memberships where id = '${ROWS.viewerMembership}'`,
  },
  // The owner is the last owner, who cannot leave whatever the level.
  "leave a project": {
    delete: `delete from ops.project_memberships where project_id = '${P}' and user_id = auth.uid()`,
  },
  "transfer ownership": {
    select: `select ops.transfer_ownership('${P}', '${USERS.admin}')`,
  },
  "ops.workflows": {
    insert: `insert into ops.workflows (project_id, name, kind, created_by) values ('${P}', 'lint', 'test', auth.uid())`,
    update: `update ops.workflows set description = 'changed' where id = '${ROWS.workflow}'`,
    delete: `delete from ops.workflows where id = '${ROWS.unusedWorkflow}'`,
  },
  "delete own session": {
    update: `update public.cloud_sessions set deleted_at = now() where user_id = auth.uid() and deleted_at is null`,
  },
  "pin own session": {
    update: `update public.cloud_sessions set pinned_at = now() where user_id = auth.uid() and deleted_at is null`,
  },
}

const SETUP_SQL = `
${FIXTURES_SQL}
insert into public.devices (id, user_id, name, role, paired_at) values
  ('${OWNER_DEVICE}', '${USERS.owner}', 'owner box', 'workstation', now() - interval '1 day');

insert into public.cloud_sessions (id, user_id, device_id, title, model) values
  ('5a000000-0000-4000-8000-000000000001', '${USERS.owner}', '${OWNER_DEVICE}', 'Owner chat', 'm'),
  ('5a000000-0000-4000-8000-000000000002', '${USERS.admin}', '${DEVICES.admin}', 'Admin chat', 'm'),
  ('5a000000-0000-4000-8000-000000000003', '${USERS.developer}', '${DEVICES.developer}', 'Dev chat', 'm'),
  ('5a000000-0000-4000-8000-000000000004', '${USERS.viewer}', '${DEVICES.viewer}', 'Viewer chat', 'm');

insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret) values
  ('fa000000-0000-4000-8000-000000000001', '${USERS.owner}', 'Phone', 'totp', 'verified', now(), now(), 'JBSWY3DPEHPK3PXP'),
  ('fa000000-0000-4000-8000-000000000003', '${USERS.developer}', 'Unfinished', 'totp', 'unverified', now(), now(), 'JBSWY3DPEHPK3PXP'),
  ('fa000000-0000-4000-8000-000000000004', '${USERS.viewer}', 'Phone', 'totp', 'verified', now(), now(), 'JBSWY3DPEHPK3PXP');

insert into private.pairing_requests (device_code_hash, user_code_hash, device_name, device_role)
values (sha256('step-up device code'), private.hash_code(private.normalize_user_code('${USER_CODE}')),
        'New box', 'llm_host');
`

async function setup(db: Database) {
  await db.exec(SETUP_SQL)
}

describeRlsMatrix({
  title: "Step-up: sensitive writes need aal2 once a factor is verified",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup,
})

describe(`Step-up refusal is an error the console can recognise (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await setup(database.db)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("refuses an aal1 token with 42501 and detail insufficient_aal", async () => {
    const error = await failureAs(database.db, ACTORS.ownerAal1, (tx) =>
      tx.query(STATEMENTS["revoke own device"]!.update!)
    )
    expect(error).toMatchObject({ code: "42501", detail: "insufficient_aal" })
  })

  it("undoes the device a refused pairing approval created", async () => {
    await failureAs(database.db, ACTORS.ownerAal1, (tx) =>
      tx.query(STATEMENTS["approve a pairing"]!.select!)
    )
    const { rows } = await database.db.query<{ status: string }>(
      "select status from private.pairing_requests"
    )
    expect(rows).toEqual([{ status: "pending" }])
    const devices = await database.db.query(
      `select 1 from public.devices where user_id = '${USERS.owner}' and name = 'New box'`
    )
    expect(devices.rows).toHaveLength(0)
  })

  it("lets a token without an aal claim through only when no factor is verified", async () => {
    const bare = (name: "owner" | "admin") => userActor(name)
    const owner = await tryAs(database.db, bare("owner"), (tx) =>
      tx.query(STATEMENTS["ops.workflows"]!.update!)
    )
    const admin = await tryAs(database.db, bare("admin"), (tx) =>
      tx.query(STATEMENTS["ops.workflows"]!.update!)
    )
    expect(owner.ok).toBe(false)
    expect(admin.ok).toBe(true)
  })
})
