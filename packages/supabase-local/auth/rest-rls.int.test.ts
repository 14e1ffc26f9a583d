import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  adminClient,
  anonClient,
  generousLimits,
  startAuthStack,
  uniqueEmail,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const PASSWORD = "correct-horse-battery"

describe(`auth tokens through REST: RLS sees the signed-in user (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack(generousLimits)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function signedIn(label: string) {
    const email = uniqueEmail(label)
    await adminClient(stack).auth.admin.createUser({
      email,
      password: PASSWORD,
      email_confirm: true,
    })
    const supabase = anonClient(stack)
    const { data, error } = await supabase.auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    expect(error).toBeNull()

    return { supabase, userId: data.user!.id }
  }

  it("a user cannot see another user's rows through REST with their token", async () => {
    const alice = await signedIn("alice")
    const bob = await signedIn("bob")

    const inserted = await alice.supabase
      .from("notes")
      .insert({ body: "alice's secret" })
      .select("id, owner_id, body")
      .single()
    expect(inserted.error).toBeNull()
    expect(inserted.data).toMatchObject({
      owner_id: alice.userId,
      body: "alice's secret",
    })
    const aliceNoteId = inserted.data!.id as string
    expect((await bob.supabase.from("notes").insert({ body: "bob's note" })).error).toBeNull()

    const aliceSees = await alice.supabase.from("notes").select("body").order("body")
    expect(aliceSees).toMatchObject({
      error: null,
      data: [{ body: "alice's secret" }],
    })
    const bobSees = await bob.supabase.from("notes").select("body")
    expect(bobSees).toMatchObject({
      error: null,
      data: [{ body: "bob's note" }],
    })
    const bobTargets = await bob.supabase.from("notes").select("body").eq("id", aliceNoteId)
    expect(bobTargets).toMatchObject({ error: null, data: [] })

    const forged = await bob.supabase
      .from("notes")
      .insert({ body: "as alice", owner_id: alice.userId })
    expect(forged.error?.code).toBe("42501")

    const anonymous = await anonClient(stack).from("notes").select("body")
    expect(anonymous).toMatchObject({ error: null, data: [] })
  })
})
