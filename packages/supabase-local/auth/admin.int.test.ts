import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  adminClient,
  anonClient,
  generousLimits,
  latestMail,
  mailFor,
  openLink,
  startAuthStack,
  uniqueEmail,
  verifyLinkOf,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const PASSWORD = "correct-horse-battery"

describe(`auth: the admin API with the service_role key (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack(generousLimits)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("creates, reads, lists, updates and deletes users", async () => {
    const admin = adminClient(stack).auth.admin
    const email = uniqueEmail("admin")
    const created = await admin.createUser({
      email,
      password: PASSWORD,
      email_confirm: true,
      user_metadata: { name: "Grace" },
      app_metadata: { plan: "team" },
    })
    expect(created.error).toBeNull()
    const user = created.data.user!
    expect(user).toMatchObject({
      email,
      user_metadata: { name: "Grace" },
      app_metadata: { provider: "email", providers: ["email"], plan: "team" },
    })
    expect(user.email_confirmed_at).toBeTruthy()
    expect(
      (
        await anonClient(stack).auth.signInWithPassword({
          email,
          password: PASSWORD,
        })
      ).error
    ).toBeNull()

    const duplicate = await admin.createUser({ email, password: PASSWORD })
    expect(duplicate.error).toMatchObject({ status: 422, code: "email_exists" })

    expect((await admin.getUserById(user.id)).data.user?.email).toBe(email)
    const missing = await admin.getUserById("00000000-0000-4000-8000-000000000000")
    expect(missing.error).toMatchObject({
      status: 404,
      code: "user_not_found",
      message: "User not found",
    })

    for (let i = 0; i < 3; i += 1)
      await admin.createUser({ email: uniqueEmail("page"), password: PASSWORD })
    const page = await admin.listUsers({ page: 1, perPage: 2 })
    expect(page.error).toBeNull()
    expect(page.data.users).toHaveLength(2)
    expect(page.data).toMatchObject({
      aud: "authenticated",
      total: 4,
      nextPage: 2,
      lastPage: 2,
    })

    const updated = await admin.updateUserById(user.id, {
      user_metadata: { team: "core" },
      app_metadata: { role_hint: "owner" },
      password: "an-admin-set-passphrase",
    })
    expect(updated.error).toBeNull()
    expect(updated.data.user?.user_metadata).toEqual({
      name: "Grace",
      team: "core",
    })
    expect(updated.data.user?.app_metadata).toMatchObject({
      plan: "team",
      role_hint: "owner",
    })
    expect(
      (
        await anonClient(stack).auth.signInWithPassword({
          email,
          password: "an-admin-set-passphrase",
        })
      ).error
    ).toBeNull()

    const banned = await admin.updateUserById(user.id, { ban_duration: "24h" })
    expect(banned.data.user?.banned_until).toBeTruthy()
    const bannedSignIn = await anonClient(stack).auth.signInWithPassword({
      email,
      password: "an-admin-set-passphrase",
    })
    expect(bannedSignIn.error).toMatchObject({
      status: 400,
      code: "user_banned",
    })

    expect((await admin.deleteUser(user.id)).error).toBeNull()
    expect((await admin.getUserById(user.id)).error?.code).toBe("user_not_found")
    const profile = await stack.db.query("select 1 from public.profiles where id = $1", [user.id])
    expect(profile.rows).toEqual([])
  })

  it("refuses the admin API to anon and user tokens", async () => {
    const anon = await anonClient(stack).auth.admin.listUsers()
    expect(anon.error).toMatchObject({
      status: 403,
      code: "not_admin",
      message: "User not allowed",
    })

    const email = uniqueEmail("not-admin")
    await adminClient(stack).auth.admin.createUser({
      email,
      password: PASSWORD,
      email_confirm: true,
    })
    const { data } = await anonClient(stack).auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    const response = await fetch(`${stack.url}/auth/v1/admin/users`, {
      headers: {
        authorization: `Bearer ${data.session!.access_token}`,
        "x-supabase-api-version": "2024-01-01",
      },
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({
      code: "not_admin",
      message: "User not allowed",
    })
  })

  it("generates links without sending email, usable as the emailed ones", async () => {
    const admin = adminClient(stack).auth.admin
    const email = uniqueEmail("generated")
    const signup = await admin.generateLink({
      type: "signup",
      email,
      password: PASSWORD,
      options: { redirectTo: "https://lmx.optalocal.com/welcome" },
    })
    expect(signup.error).toBeNull()
    expect(signup.data.properties).toMatchObject({
      verification_type: "signup",
      redirect_to: "https://lmx.optalocal.com/welcome",
      email_otp: expect.stringMatching(/^\d{6}$/),
      hashed_token: expect.stringMatching(/^[0-9a-f]{56}$/),
    })
    expect(signup.data.user?.email).toBe(email)
    expect(await mailFor(stack, email)).toEqual([])
    const { location } = await openLink(signup.data.properties!.action_link)
    expect(`${location.origin}${location.pathname}`).toBe("https://lmx.optalocal.com/welcome")
    expect(new URLSearchParams(location.hash.slice(1)).get("type")).toBe("signup")

    const magic = await admin.generateLink({ type: "magiclink", email })
    const { data, error } = await anonClient(stack).auth.verifyOtp({
      email,
      token: magic.data.properties!.email_otp,
      type: "email",
    })
    expect(error).toBeNull()
    expect(data.user?.email).toBe(email)

    const recovery = await admin.generateLink({
      type: "recovery",
      email: uniqueEmail("ghost"),
    })
    expect(recovery.error).toMatchObject({
      status: 404,
      code: "user_not_found",
    })
  })

  it("invites users by email", async () => {
    const email = uniqueEmail("invitee")
    const { data, error } = await adminClient(stack).auth.admin.inviteUserByEmail(email, {
      data: { invited_by: "ops" },
      redirectTo: "https://lmx.optalocal.com/accept",
    })
    expect(error).toBeNull()
    expect(data.user?.invited_at).toBeTruthy()
    const mail = await latestMail(stack, email)
    expect(mail.subject).toBe("You have been invited")
    const { location } = await openLink(verifyLinkOf(mail))
    expect(`${location.origin}${location.pathname}`).toBe("https://lmx.optalocal.com/accept")
    expect(new URLSearchParams(location.hash.slice(1)).get("type")).toBe("invite")
  })
})
