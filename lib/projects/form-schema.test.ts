import { describe, expect, it } from "vitest"

import {
  inviteSchema,
  projectCreateSchema,
  projectDeleteSchema,
} from "./form-schema"
import { activityFilterSchema, invitationStatus } from "./queries"

const ID = "00000000-0000-4000-c000-000000000001"

describe("projectCreateSchema", () => {
  it("accepts an empty slug (made from the name) and lower-cases a given one", () => {
    expect(projectCreateSchema.parse({ name: " Lab " })).toEqual({
      name: "Lab",
      slug: "",
      description: "",
    })
    expect(
      projectCreateSchema.parse({ name: "Lab", slug: "My-Lab" }).slug
    ).toBe("my-lab")
  })

  it.each(["-lab", "lab-", "la b", "läb", "x".repeat(49)])(
    "refuses the slug %j",
    (slug) => {
      expect(projectCreateSchema.safeParse({ name: "Lab", slug }).success).toBe(
        false
      )
    }
  )
})

describe("projectDeleteSchema", () => {
  it("needs the slug typed exactly", () => {
    expect(
      projectDeleteSchema.safeParse({
        projectId: ID,
        slug: "lab",
        confirm: "lab",
      }).success
    ).toBe(true)
    const wrong = projectDeleteSchema.safeParse({
      projectId: ID,
      slug: "lab",
      confirm: "Lab",
    })
    expect(wrong.success).toBe(false)
    expect(wrong.error?.issues[0]?.path).toEqual(["confirm"])
  })
})

describe("inviteSchema", () => {
  it("normalises the address and refuses unknown roles", () => {
    expect(
      inviteSchema.parse({
        projectId: ID,
        email: "A@Example.COM",
        role: "viewer",
      }).email
    ).toBe("a@example.com")
    expect(
      inviteSchema.safeParse({
        projectId: ID,
        email: "a@example.com",
        role: "root",
      }).success
    ).toBe(false)
  })
})

describe("invitationStatus", () => {
  const now = new Date("2026-12-03T12:00:00Z")
  const open = {
    accepted_at: null,
    revoked_at: null,
    declined_at: null,
    expires_at: "2026-12-10T12:00:00Z",
  }

  it("tells the states apart, declined before revoked and expiry exactly at the limit", () => {
    expect(invitationStatus(open, now)).toBe("pending")
    expect(
      invitationStatus({ ...open, expires_at: now.toISOString() }, now)
    ).toBe("expired")
    expect(
      invitationStatus({ ...open, revoked_at: "x", declined_at: "x" }, now)
    ).toBe("declined")
    expect(invitationStatus({ ...open, revoked_at: "x" }, now)).toBe("revoked")
    expect(invitationStatus({ ...open, accepted_at: "x" }, now)).toBe(
      "accepted"
    )
  })
})

describe("activityFilterSchema", () => {
  it("drops malformed values instead of failing the page", () => {
    expect(
      activityFilterSchema.parse({
        actor: "nope",
        action: "DROP TABLE",
        before: "x,y",
      })
    ).toEqual({})
    expect(
      activityFilterSchema.parse({
        actor: ID,
        action: "invitation",
        before: `2026-12-03T10:00:00.123+00:00,${ID}`,
      })
    ).toEqual({
      actor: ID,
      action: "invitation",
      before: `2026-12-03T10:00:00.123+00:00,${ID}`,
    })
  })
})
