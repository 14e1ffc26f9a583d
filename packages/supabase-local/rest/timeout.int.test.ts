import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { anonClient, startConformanceStack } from "../testing/rest-conformance"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// One caller's slow statements must not hold the API for everyone: the role's
// statement_timeout binds every REST path. PGlite cannot enforce it (it has no timer to
// interrupt a statement; docs/local-stack.md, "What one request may cost"), so the test of the
// cut runs on Postgres.
let stack: TestStack

beforeAll(async () => {
  stack = await startConformanceStack()
  await stack.db.exec(`
    create function public.nap(seconds double precision) returns text language sql volatile
      as $$ select pg_sleep(seconds)::text || 'rested' $$;
    grant execute on function public.nap(double precision) to anon, authenticated;
    alter role anon set statement_timeout = '300ms';
    notify pgrst, 'reload schema';
  `)
  const anon = anonClient(stack)
  for (let attempt = 0; attempt < 100; attempt++) {
    const { data } = await anon.rpc("whoami")
    if ((data as { statement_timeout?: string } | null)?.statement_timeout === "300ms") return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error("the role's new statement_timeout never reached the schema cache")
})
afterAll(async () => {
  await stack?.stop()
})

function nap(seconds: number) {
  return fetch(`${stack.url}/rest/v1/rpc/nap`, {
    method: "POST",
    headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
    body: JSON.stringify({ seconds }),
  })
}

describe(`REST statement timeout (${TEST_ENGINE})`, () => {
  it.runIf(TEST_ENGINE === "postgres")(
    "a slow RPC on the one-round-trip path is cut at the role's statement_timeout",
    async () => {
      const response = await nap(5)
      expect(response.status).toBe(500)
      expect(await response.json()).toMatchObject({
        code: "57014",
        message: "canceling statement due to statement timeout",
      })
      // The same path still answers quick calls.
      expect((await nap(0)).status).toBe(200)
    }
  )
})
