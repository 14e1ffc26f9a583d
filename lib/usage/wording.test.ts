import { describe, expect, it } from "vitest"

import { change } from "./dashboard"
import { changeText, showingText } from "./wording"

describe("changeText", () => {
  it("says new when the previous range had none, and no change when neither had any", () => {
    expect(changeText(change(5, 0))).toBe("new in this range")
    expect(changeText(change(0, 0))).toBe("no change")
  })

  it("gives ordinary changes as a percentage", () => {
    expect(changeText(change(150, 100))).toBe("up 50%")
    expect(changeText(change(95, 100))).toBe("down 5.0%")
    expect(changeText(change(0, 100))).toBe("down 100%")
    // Just under ten times: still a percentage.
    expect(changeText(change(999, 100))).toBe("up 899%")
  })

  it("gives a change of ten times or more as a multiple, not a five-digit percentage", () => {
    // The demo's first week against the nearly empty week before it.
    expect(changeText(change(107.25, 1))).toBe("up 107×")
    expect(changeText(change(1000, 100))).toBe("up 10×")
    expect(changeText(change(125, 10))).toBe("up 12.5×")
    expect(changeText(change(123_456, 1))).toBe("up 123,456×")
  })
})

describe("showingText", () => {
  it("agrees the noun with the total", () => {
    expect(showingText(1, 1)).toBe("Showing 1 of 1 session")
    expect(showingText(10, 42)).toBe("Showing 10 of 42 sessions")
    expect(showingText(10, 1204)).toBe("Showing 10 of 1,204 sessions")
  })

  it("never shows fewer in all than on the page (the count can lag the list)", () => {
    expect(showingText(2, 1)).toBe("Showing 2 of 2 sessions")
  })
})
