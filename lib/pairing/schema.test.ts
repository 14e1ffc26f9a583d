import { describe, expect, it } from "vitest"

import {
  INCOMPLETE_USER_CODE,
  pairingApproveSchema,
  userCodeProblem,
  userCodeSchema,
} from "./schema"

describe("userCodeSchema", () => {
  it("normalizes a complete code to XXXX-XXXX", () => {
    expect(userCodeSchema.parse("bcdf ghjk")).toBe("BCDF-GHJK")
    expect(userCodeSchema.parse("BCDF-GHJK")).toBe("BCDF-GHJK")
  })

  it("refuses an incomplete code with our message", () => {
    const result = userCodeSchema.safeParse("BCDF-GH")
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe(
      "Enter all 8 letters of the code, like BCDF-GHJK."
    )
  })
})

describe("pairingApproveSchema", () => {
  it("treats a blank new name as keeping the device's own", () => {
    expect(
      pairingApproveSchema.parse({ code: "BCDFGHJK", name: "  " }).name
    ).toBeUndefined()
    expect(
      pairingApproveSchema.parse({ code: "BCDFGHJK", name: " Mac " }).name
    ).toBe("Mac")
    expect(
      pairingApproveSchema.safeParse({ code: "BCDFGHJK", name: "x".repeat(81) })
        .success
    ).toBe(false)
  })
})

describe("userCodeProblem", () => {
  it("says codes use consonants only when vowels were typed, not that letters are missing", () => {
    expect(userCodeProblem("ABCD-EFGH")).toBe(
      "Codes use consonants only (no vowels, no Y, no digits): A and E are never part of one. Check the code your device shows."
    )
    expect(
      userCodeSchema.safeParse("ABCD-EFGH").error?.issues[0]?.message
    ).toBe(userCodeProblem("ABCD-EFGH"))
  })

  it("names each character once, digits and Y included", () => {
    expect(userCodeProblem("bcdf-ghy0")).toMatch(/: Y and 0 are never/)
    expect(userCodeProblem("BCDF-GHJO")).toMatch(/: O is never part of one/)
    expect(userCodeProblem("aabb")).toMatch(/: A is never/)
  })

  it("asks for all 8 letters when the code is only short", () => {
    expect(userCodeProblem("BCDF-GH")).toBe(INCOMPLETE_USER_CODE)
    expect(userCodeProblem("")).toBe(INCOMPLETE_USER_CODE)
  })

  it("has nothing to say about a complete code, however it is typed", () => {
    expect(userCodeProblem("bcdf ghjk")).toBeUndefined()
    expect(userCodeProblem("BCDF-GHJK")).toBeUndefined()
  })
})
