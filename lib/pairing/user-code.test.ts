import fc from "fast-check"
import { describe, expect, it } from "vitest"

import {
  formatUserCode,
  isCompleteUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
  userCodeFromPaste,
} from "./user-code"

describe("formatUserCode", () => {
  it.each([
    ["", ""],
    ["b", "B"],
    ["bcdf", "BCDF"],
    ["bcdfg", "BCDF-G"],
    ["BCDFGHJK", "BCDF-GHJK"],
    ["bcdf-ghjk", "BCDF-GHJK"],
    ["  bcdf ghjk  ", "BCDF-GHJK"],
    ["BCDF-GHJKLM", "BCDF-GHJK"],
    // Backspacing over the dash leaves four characters and no dangling dash.
    ["BCDF-", "BCDF"],
  ])("formats %j as %j", (typed, formatted) => {
    expect(formatUserCode(typed)).toBe(formatted)
  })

  it("drops characters that never occur in a code (vowels, digits, punctuation)", () => {
    expect(formatUserCode("a1b!c?d e")).toBe("BCD")
  })

  it("is idempotent and always yields the XXXX-XXXX shape or a prefix of it", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (typed) => {
        const once = formatUserCode(typed)
        expect(formatUserCode(once)).toBe(once)
        expect(once).toMatch(
          /^[BCDFGHJKLMNPQRSTVWXZ]{0,4}(-[BCDFGHJKLMNPQRSTVWXZ]{1,4})?$/
        )
      })
    )
  })

  it("keeps every alphabet character the user typed, in order, up to eight", () => {
    const letter = fc.constantFrom(...USER_CODE_ALPHABET.split(""))
    fc.assert(
      fc.property(fc.array(letter, { maxLength: 12 }), (letters) => {
        expect(normalizeUserCode(formatUserCode(letters.join("")))).toBe(
          letters.slice(0, 8).join("")
        )
      })
    )
  })
})

describe("isCompleteUserCode", () => {
  it("needs all eight characters", () => {
    expect(isCompleteUserCode("BCDF-GHJ")).toBe(false)
    expect(isCompleteUserCode("bcdf ghjk")).toBe(true)
  })
})

describe("userCodeFromPaste", () => {
  it("takes the code out of a pasted pairing link", () => {
    expect(
      userCodeFromPaste("https://lmx.optalocal.com/pair?code=BCDF-GHJK")
    ).toBe("BCDF-GHJK")
    expect(
      userCodeFromPaste("http://127.0.0.1:3000/pair?x=1&code=bcdf%2Dghjk#top")
    ).toBe("BCDF-GHJK")
  })

  it("accepts a bare code with stray spacing", () => {
    expect(userCodeFromPaste("  bcdfghjk\n")).toBe("BCDF-GHJK")
  })
})
