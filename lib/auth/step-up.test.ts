import { describe, expect, it } from "vitest"

import { isStepUpRefusal, stepUpRequired } from "./step-up"

describe("isStepUpRefusal", () => {
  it("recognises the database's insufficient_aal refusal", () => {
    expect(
      isStepUpRefusal({ code: "42501", details: "insufficient_aal" })
    ).toBe(true)
  })

  it("does not take other permission errors for it", () => {
    expect(isStepUpRefusal({ code: "42501", details: null })).toBe(false)
    expect(
      isStepUpRefusal({ code: "23505", details: "insufficient_aal" })
    ).toBe(false)
    expect(isStepUpRefusal(null)).toBe(false)
  })
})

describe("stepUpRequired", () => {
  it("is a failure flagged for a retry after the second factor", () => {
    expect(stepUpRequired()).toMatchObject({ ok: false, stepUp: true })
  })
})
