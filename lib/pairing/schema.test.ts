import { describe, expect, it } from "vitest"

import { pairingApproveSchema, userCodeSchema } from "./schema"

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
