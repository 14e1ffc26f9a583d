import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { FIXTURES_SQL, ROWS, userActor, USERS } from "./ops-fixtures"
import { ANON, failureAs, runAs } from "./rls-harness"

// public.current_profile, read by every console page (lib/auth/current-user.ts), says whether
// the caller has a budget to check (supabase/migrations/20261206040100_current_profile_has_budgets.sql),
// so the budget banner calls budget_banner only then: the caller's own budget, or one of a
// project they may view, exactly the budgets budget_banner reads.
describe(`current_profile's budget flag (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  const hasBudgets = (user: keyof typeof USERS) =>
    runAs(database.db, userActor(user), async (tx) => {
      const { rows } = await tx.query<{ has_budgets: boolean }>(
        "select has_budgets from public.current_profile()"
      )
      return rows[0]!.has_budgets
    })

  it("is false while no budget the caller may see exists", async () => {
    expect(await hasBudgets("owner")).toBe(false)
    expect(await hasBudgets("viewer")).toBe(false)
  })

  it("is true for the owner of a budget and for members of a budgeted project only", async () => {
    await database.db.exec(`
      insert into public.usage_budgets (user_id, monthly_usd) values ('${USERS.owner}', 10);
      insert into public.usage_budgets (project_id, monthly_usd) values ('${ROWS.strangerProject}', 10);
    `)
    expect(await hasBudgets("owner")).toBe(true)
    // The viewer sees neither the owner's budget nor the stranger's project's.
    expect(await hasBudgets("viewer")).toBe(false)
    expect(await hasBudgets("stranger")).toBe(true)
    await database.db.exec(
      `insert into public.usage_budgets (project_id, monthly_usd) values ('${ROWS.project}', 10)`
    )
    expect(await hasBudgets("viewer")).toBe(true)
  })

  it("is not callable without signing in", async () => {
    await failureAs(database.db, ANON, (tx) => tx.query("select public.current_profile()"))
  })
})
