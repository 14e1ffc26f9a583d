import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  ROWS,
  signedOutUser,
  userActor,
  USERS,
} from "./core-fixtures"
import { runAs, type Actor } from "./rls-harness"

// private.visible_message_matches (20261203000210, redefined in 20261203017000) restates the
// select policies of cloud_messages and cloud_sessions, because under RLS the planner may not
// use the GIN index. A change to either policy must change it too: this test finds every
// difference. For every actor, on every combination of session owner, project and tombstone,
// the messages the helper matches are exactly those the policies let that actor read.

const OTHER_PROJECT = "1b000000-0000-4000-8000-0000000000b2"
const OWNERS = {
  owner: USERS.owner,
  stranger: USERS.stranger,
  viewer: USERS.viewer,
} as const
const PROJECTS = { none: null, fixture: ROWS.project, other: OTHER_PROJECT }

const ACTORS = {
  owner: userActor("owner"),
  stranger: userActor("stranger"),
  viewer: userActor("viewer"),
  developer: userActor("developer"),
  admin: userActor("admin"),
  ownerDevice: deviceActor("owner", DEVICES.owner),
  ownerSecondDevice: deviceActor("owner", DEVICES.ownerSecond),
  revoked: deviceActor("owner", DEVICES.ownerRevoked),
  strangerDevice: deviceActor("stranger", DEVICES.stranger),
  ownerSignedOut: signedOutUser("owner"),
  viewerSignedOut: signedOutUser("viewer"),
} satisfies Record<string, Actor>

function uuid(prefix: string, n: number) {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
}

// Sessions owned by three users, in no project, the fixture project and another one (where
// the stranger is owner and the developer a viewer), live or tombstoned; each has a live
// and a tombstoned message with the searched word.
function fixtureSql() {
  const statements: string[] = [
    `insert into ops.projects (id, name) values ('${OTHER_PROJECT}', 'Other project');
     insert into ops.project_memberships (project_id, user_id, role) values
       ('${OTHER_PROJECT}', '${USERS.stranger}', 'owner'),
       ('${OTHER_PROJECT}', '${USERS.developer}', 'viewer');`,
  ]
  let n = 0
  for (const [ownerName, owner] of Object.entries(OWNERS)) {
    for (const [projectName, project] of Object.entries(PROJECTS)) {
      for (const deleted of [false, true]) {
        n++
        const session = uuid("5c000000", n)
        const projectSql = project ? `'${project}'` : "null"
        statements.push(`
          insert into public.cloud_sessions (id, user_id, project_id, title, deleted_at) values
            ('${session}', '${owner}', ${projectSql}, 'Session ${n}', ${deleted ? "now()" : "null"});
          insert into public.cloud_messages (id, session_id, user_id, project_id, message_index, role, content, deleted_at) values
            ('${uuid("5e000000", n * 2)}', '${session}', '${owner}', ${projectSql}, 0, 'user',
             'needle from ${ownerName} in ${projectName}', null),
            ('${uuid("5e000000", n * 2 + 1)}', '${session}', '${owner}', ${projectSql}, 1, 'assistant',
             'a deleted needle', now());`)
      }
    }
  }

  return statements.join("\n")
}

const BY_POLICIES = `
  select m.id::text as id
    from public.cloud_messages m
    join public.cloud_sessions s on s.id = m.session_id
   where pg_catalog.to_tsvector('english', m.content) @@ pg_catalog.websearch_to_tsquery('english', 'needle')
     and m.deleted_at is null
     and s.deleted_at is null
   order by 1`
const BY_HELPER = `
  select message_id::text as id
    from private.visible_message_matches('needle', 200)
   order by 1`

describe(`search visibility = the read policies (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(fixtureSql())
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it.each(Object.entries(ACTORS))(
    "%s: the helper matches exactly what the policies show",
    async (_name, actor) => {
      const [byPolicies, byHelper] = await Promise.all([
        runAs(database.db, actor, (tx) => tx.query<{ id: string }>(BY_POLICIES)),
        runAs(database.db, actor, (tx) => tx.query<{ id: string }>(BY_HELPER)),
      ])
      expect(byHelper.rows.map((row) => row.id)).toEqual(byPolicies.rows.map((row) => row.id))
    }
  )

  // The comparison above could pass by both seeing nothing: the fixture shows each actor
  // something different.
  it("tells the actors apart", async () => {
    const counts: Record<string, number> = {}
    for (const [name, actor] of Object.entries(ACTORS)) {
      const { rows } = await runAs(database.db, actor, (tx) => tx.query<{ id: string }>(BY_HELPER))
      counts[name] = rows.length
    }
    expect(counts).toEqual({
      // Their own three live sessions (whatever project they are in), and the live ones of
      // the others in the projects they belong to.
      owner: 5,
      stranger: 5,
      viewer: 5,
      // No sessions of their own; three in each of their two projects.
      developer: 6,
      admin: 3,
      // A live device reads what its owner reads.
      ownerDevice: 5,
      ownerSecondDevice: 5,
      strangerDevice: 5,
      // A revoked device and a signed-out token read nothing.
      revoked: 0,
      ownerSignedOut: 0,
      viewerSignedOut: 0,
    })
  })
})
