import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { Secret, TOTP } from "otpauth"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

import { type Database } from "@/lib/database.types"
import { type Client } from "@/lib/supabase/types"
import { signInWithPassword } from "@/supabase/tests/console-clients"

import { isStepUpRefusal } from "./step-up"

// Step-up through the official clients, as the console meets it: the database refuses a
// sensitive write from an aal1 session of an account with a verified factor, PostgREST carries
// the refusal as 42501 / insufficient_aal (isStepUpRefusal), and the same write goes through
// once auth-js has raised the session to aal2.
const PASSWORD = "lmx-demo-password"
const SAM = "sam@lmx.local"
const DEMO = "demo@lmx.local"

const codeFor = (secret: string) =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    digits: 6,
    period: 30,
  }).generate()

describe(`step-up for sensitive writes (${TEST_ENGINE})`, () => {
  let stack: TestStack

  function signIn(email = SAM): Promise<Client> {
    return signInWithPassword(stack, { email, password: PASSWORD })
  }

  beforeAll(async () => {
    stack = await startTestStack()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("asks an account with a verified factor for aal2 before editing a workflow, and lets the same write through after a code", async () => {
    const first = await signIn()
    const { data: project, error: createError } = await first
      .schema("ops")
      .rpc("create_project", { p_name: "Step-up project" })
    expect(createError).toBeNull()
    const projectId = project!.id
    const workflow = await first
      .schema("ops")
      .from("workflows")
      .insert({
        project_id: projectId,
        name: "build",
        kind: "build",
        created_by: project!.created_by,
      })
      .select("id")
      .single()
    // No factor yet: aal1 is enough.
    expect(workflow.error).toBeNull()

    const enrolled = await first.auth.mfa.enroll({
      factorType: "totp",
      friendlyName: "Phone",
    })
    if (enrolled.error || enrolled.data.type !== "totp") throw enrolled.error
    const secret = enrolled.data.totp.secret
    const verified = await first.auth.mfa.challengeAndVerify({
      factorId: enrolled.data.id,
      code: codeFor(secret),
    })
    expect(verified.error).toBeNull()

    const second = await signIn()
    const level = await second.auth.mfa.getAuthenticatorAssuranceLevel()
    expect(level.data).toMatchObject({
      currentLevel: "aal1",
      nextLevel: "aal2",
    })
    const edit = () =>
      second
        .schema("ops")
        .from("workflows")
        .update({ description: "changed" })
        .eq("id", workflow.data!.id)
        .select("id")
    const refused = await edit()
    expect(refused.error).toMatchObject({
      code: "42501",
      details: "insufficient_aal",
    })
    expect(isStepUpRefusal(refused.error)).toBe(true)
    // Not sensitive: the project's own details stay editable at aal1.
    const renamed = await second
      .schema("ops")
      .from("projects")
      .update({ description: "still editable" })
      .eq("id", projectId)
      .select("id")
    expect(renamed.error).toBeNull()
    expect(renamed.data).toHaveLength(1)

    const passed = await second.auth.mfa.challengeAndVerify({
      factorId: enrolled.data.id,
      code: codeFor(secret),
    })
    expect(passed.error).toBeNull()
    const retried = await edit()
    expect(retried.error).toBeNull()
    expect(retried.data).toHaveLength(1)
  })
  it("answers the console's profile and whether the second step is owed in one row", async () => {
    const demo = await signIn(DEMO)
    const current = () => demo.rpc("current_profile").single()
    expect((await current()).data).toEqual({
      profile_found: true,
      display_name: "Demo User",
      step_up_required: false,
      // The seed gives the demo user a budget: the console's banner then checks crossings.
      has_budgets: true,
    })

    const enrolled = await demo.auth.mfa.enroll({
      factorType: "totp",
      friendlyName: "Phone",
    })
    if (enrolled.error || enrolled.data.type !== "totp") throw enrolled.error
    // Unverified: nothing is owed yet.
    expect((await current()).data?.step_up_required).toBe(false)
    const secret = enrolled.data.totp.secret
    expect(
      (
        await demo.auth.mfa.challengeAndVerify({
          factorId: enrolled.data.id,
          code: codeFor(secret),
        })
      ).error
    ).toBeNull()
    expect((await current()).data?.step_up_required).toBe(false)

    const later = await signIn(DEMO)
    const owed = await later.rpc("current_profile").single()
    expect(owed.data).toEqual({
      profile_found: true,
      display_name: "Demo User",
      step_up_required: true,
      has_budgets: true,
    })

    // Signed out everywhere: the token still verifies, but RLS hides the profile.
    const { data: session } = await later.auth.getSession()
    await later.auth.signOut({ scope: "global" })
    const stale = createClient<Database>(stack.url, stack.keys.anonKey, {
      auth: {
        persistSession: false,
        autoRefreshToken: false,
        detectSessionInUrl: false,
      },
      global: {
        headers: { Authorization: `Bearer ${session.session!.access_token}` },
      },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const gone = await stale.rpc("current_profile").single()
    expect(gone.error).toBeNull()
    expect(gone.data?.profile_found).toBe(false)
  })
})
