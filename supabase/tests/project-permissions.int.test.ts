import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  can,
  PERMISSION_KEYS,
  PROJECT_ROLES,
  type PermissionKey,
  type ProjectRole,
} from "@/lib/projects/permissions"

import { FIXTURES_SQL, ROWS, userActor, USERS } from "./ops-fixtures"
import { tryAs } from "./rls-harness"

// The permission matrix the Members tab shows comes from lib/projects/permissions.ts. Here
// every row of that table runs against the database as every role (and a stranger): the
// statement must succeed on exactly its row where the table says "can", and touch nothing or
// fail where it says "cannot". A change to either side that the other does not share fails.
const P = ROWS.project
const CO_OWNER = "0a000000-0000-4000-8000-000000000007"

// A second owner, so that "leave" is about the role and not the last-owner rule, and a viewer
// (the newcomer) for the member-management rows to act on.
const SETUP_SQL = `
insert into auth.users (id, email, aud, role, created_at, updated_at)
values ('${CO_OWNER}', 'co-owner@ops.test', 'authenticated', 'authenticated', now(), now());
insert into ops.project_memberships (project_id, user_id, role) values
  ('${P}', '${CO_OWNER}', 'owner'),
  ('${P}', '${USERS.newcomer}', 'viewer');
`

const STATEMENTS: Record<PermissionKey, string> = {
  viewProject: `select id from ops.projects where id = '${P}'`,
  leaveProject: `delete from ops.project_memberships where project_id = '${P}' and user_id = auth.uid()`,
  queueRuns: `select id from ops.queue_run('${ROWS.workflow}')`,
  editWorkflows: `update ops.workflows set description = 'changed' where id = '${ROWS.workflow}'`,
  editTools: `insert into ops.tools (project_id, name, created_by) values ('${P}', 'docker', auth.uid())`,
  deleteWorkflows: `delete from ops.workflows where id = '${ROWS.unusedWorkflow}'`,
  inviteMembers: `select invitation_id from ops.invite_member('${P}', 'fresh@ops.test', 'viewer')`,
  changeRoles: `update ops.project_memberships set role = 'developer' where project_id = '${P}' and user_id = '${USERS.newcomer}'`,
  removeMembers: `delete from ops.project_memberships where project_id = '${P}' and user_id = '${USERS.newcomer}'`,
  editSettings: `update ops.projects set description = 'changed' where id = '${P}'`,
  transferOwnership: `select ops.transfer_ownership('${P}', '${USERS.newcomer}')`,
  deleteProject: `delete from ops.projects where id = '${P}'`,
}

const ACTORS: Record<ProjectRole | "stranger", ReturnType<typeof userActor>> = {
  owner: userActor("owner"),
  admin: userActor("admin"),
  developer: userActor("developer"),
  viewer: userActor("viewer"),
  stranger: userActor("stranger"),
}

const cells = PERMISSION_KEYS.flatMap((permission) =>
  [...PROJECT_ROLES, "stranger" as const].map((role) => ({
    permission,
    role,
    expected: role === "stranger" ? false : can(role, permission),
  }))
)

describe(`the permission matrix matches the database (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(SETUP_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("has a statement for every permission", () => {
    expect(Object.keys(STATEMENTS).sort()).toEqual([...PERMISSION_KEYS].sort())
  })

  it.each(cells)("$permission as $role: $expected", async ({ permission, role, expected }) => {
    const sql = STATEMENTS[permission]
    const result = await tryAs(database.db, ACTORS[role], (tx) => tx.query(sql))
    const touched = !result.ok
      ? 0
      : sql.startsWith("select")
        ? result.value.rows.length
        : (result.value.rowCount ?? 0)

    if (expected) {
      if (!result.ok) throw result.error
      expect(touched, "rows seen or touched").toBe(1)
    } else {
      expect(touched, "rows seen or touched").toBe(0)
    }
  })
})
