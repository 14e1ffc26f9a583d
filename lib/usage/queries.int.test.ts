import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { type Client } from "@/lib/supabase/types"
import { signInWithPassword } from "@/supabase/tests/console-clients"

import {
  countSessionsInRange,
  listSessionsInRange,
  SESSIONS_PAGE_SIZE,
} from "./queries"

// The usage page's session list, read as the console reads it (the demo user's own client,
// RLS on) against the seeded stack: page after page until the last, as "Show more" does.
const DEMO = {
  id: "00000000-0000-4000-a000-000000000001",
  email: "demo@lmx.local",
  password: "lmx-demo-password",
}

describe(`usage session pages on the demo seed (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let demo: Client

  beforeAll(async () => {
    stack = await startTestStack()
    demo = await signInWithPassword(stack, DEMO)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("pages through every session of the range, costliest first, none twice and none left out", async () => {
    const range = {
      userId: DEMO.id,
      fromInstant: new Date(Date.now() - 365 * 86_400_000).toISOString(),
      toInstant: new Date(Date.now() + 86_400_000).toISOString(),
    }
    const total = await countSessionsInRange(demo, range)
    expect(total).toBeGreaterThan(SESSIONS_PAGE_SIZE * 2)

    const seen: { id: string; cost: number }[] = []
    let offset: number | null = 0
    let pages = 0
    while (offset !== null) {
      const page = await listSessionsInRange(demo, { ...range, offset })
      expect(page.sessions.length).toBeLessThanOrEqual(SESSIONS_PAGE_SIZE)
      if (page.nextOffset !== null) {
        expect(page.sessions).toHaveLength(SESSIONS_PAGE_SIZE)
      }
      seen.push(...page.sessions.map((s) => ({ id: s.id, cost: s.cost_usd })))
      offset = page.nextOffset
      pages++
    }

    expect(pages).toBe(Math.ceil(total / SESSIONS_PAGE_SIZE))
    expect(new Set(seen.map((s) => s.id)).size).toBe(total)
    expect(seen.map((s) => s.cost)).toEqual(
      seen.map((s) => s.cost).sort((a, b) => b - a)
    )
  })
})
