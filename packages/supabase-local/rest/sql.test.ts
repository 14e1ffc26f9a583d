import { describe, expect, it } from "vitest"

import { inlineParams } from "./sql"

describe("inlineParams", () => {
  it("replaces parameters with quoted literals", () => {
    expect(inlineParams("select $1, $2, $10", ["a'b", 25, null, 4, 5, 6, 7, 8, 9, "ten"])).toBe(
      "select 'a''b', '25', 'ten'"
    )
  })

  it("leaves $n inside string literals and quoted identifiers alone", () => {
    expect(inlineParams(`select '$1 ''$2''', "col$1", $1`, ["x"])).toBe(
      `select '$1 ''$2''', "col$1", 'x'`
    )
  })

  it("writes NULL for null values", () => {
    expect(inlineParams("select $1", [null])).toBe("select NULL")
  })
})
