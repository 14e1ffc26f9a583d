import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  ALICE,
  anonClient,
  BOB,
  startConformanceStack,
  userToken,
} from "../testing/rest-conformance"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// One caller's slow statements must not hold the API for everyone: the role's
// statement_timeout binds every REST path on both engines. Postgres cuts the statement itself;
// PGlite (which ignores statement_timeout and runs one statement at a time) runs on a thread of
// its own that the stack ends and reopens at the limit, and REST callers take turns
// (docs/local-stack.md, "What one request may cost").
let stack: TestStack

beforeAll(async () => {
  stack = await startConformanceStack()
  await stack.db.exec(`
    create function public.nap(seconds double precision) returns text language sql volatile
      as $$ select pg_sleep(seconds)::text || 'rested' $$;
    grant execute on function public.nap(double precision) to anon, authenticated;
    -- Minutes of work on either engine, and no sleep: PGlite's pg_sleep is no test of a
    -- statement that keeps the engine busy.
    create function public.crunch(n bigint) returns bigint language sql volatile
      as $$ select count(*) from generate_series(1, n) $$;
    grant execute on function public.crunch(bigint) to anon, authenticated;
    alter role anon set statement_timeout = '300ms';
    alter role authenticated set statement_timeout = '400ms';
    notify pgrst, 'reload schema';
  `)
  const anon = anonClient(stack)
  for (let attempt = 0; attempt < 100; attempt++) {
    const { data } = await anon.rpc("whoami")
    if ((data as { statement_timeout?: string } | null)?.statement_timeout === "300ms") return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error("the role's new statement_timeout never reached the schema cache")
}, 60_000)
afterAll(async () => {
  await stack?.stop()
})

function post(path: string, body: unknown, token?: string) {
  return fetch(`${stack.url}/rest/v1/${path}`, {
    method: "POST",
    headers: {
      apikey: stack.keys.anonKey,
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
}

function nap(seconds: number) {
  return post("rpc/nap", { seconds })
}

const TIMEOUT_BODY = { code: "57014", message: "canceling statement due to statement timeout" }

describe(`REST statement timeout (${TEST_ENGINE})`, () => {
  it.runIf(TEST_ENGINE === "postgres")(
    "a slow RPC on the one-round-trip path is cut at the role's statement_timeout",
    async () => {
      const response = await nap(5)
      expect(response.status).toBe(500)
      expect(await response.json()).toMatchObject(TIMEOUT_BODY)
      // The same path still answers quick calls.
      expect((await nap(0)).status).toBe(200)
    }
  )

  it("one user's slow query stalls everyone: it is cut at the role's timeout and others keep their turn", async () => {
    const [alice, bob] = await Promise.all([userToken(stack, ALICE), userToken(stack, BOB)])
    const finished: string[] = []
    const track = async (label: string, request: Promise<Response>) => {
      const response = await request
      const body: unknown = await response.json()
      finished.push(label)
      return { status: response.status, body }
    }
    // Alice sends two statements that would each run for minutes…
    const slow = [1, 2].map((n) =>
      track(`alice ${n}`, post("rpc/crunch", { n: 5_000_000_000 }, alice))
    )
    // …and Bob, once hers is running, one quick read.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const quick = track(
      "bob",
      fetch(`${stack.url}/rest/v1/authors?select=id&order=id&limit=2`, {
        headers: { apikey: stack.keys.anonKey, authorization: `Bearer ${bob}` },
      })
    )

    expect(await quick).toEqual({ status: 200, body: [{ id: 1 }, { id: 2 }] })
    for (const result of await Promise.all(slow)) {
      expect(result).toEqual({ status: 500, body: expect.objectContaining(TIMEOUT_BODY) })
    }
    // Bob waited for at most the statement that was running, not for Alice's whole line.
    expect(finished.indexOf("bob")).toBeLessThanOrEqual(1)
    // The database still answers after the cuts, with what it held before them.
    const after = await fetch(`${stack.url}/rest/v1/authors?select=id&id=eq.1`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(await after.json()).toEqual([{ id: 1 }])
  }, 60_000)
})
