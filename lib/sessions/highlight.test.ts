import { describe, expect, it } from "vitest"

import { splitHighlights } from "./highlight"

describe("splitHighlights", () => {
  it("splits ts_headline's markers into marked and plain runs", () => {
    expect(
      splitHighlights("Raise the <mark>batch</mark> size to <mark>512</mark>")
    ).toEqual([
      { text: "Raise the ", marked: false },
      { text: "batch", marked: true },
      { text: " size to ", marked: false },
      { text: "512", marked: true },
    ])
  })

  it("keeps hostile markup as text", () => {
    const hostile =
      '<script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a>'
    expect(splitHighlights(hostile)).toEqual([{ text: hostile, marked: false }])
    expect(
      splitHighlights(`<mark><img src=x onerror=alert(1)></mark> and more`)
    ).toEqual([
      { text: "<img src=x onerror=alert(1)>", marked: true },
      { text: " and more", marked: false },
    ])
  })

  it("treats an unclosed marker as text", () => {
    expect(splitHighlights("a <mark>b")).toEqual([
      { text: "a <mark>b", marked: false },
    ])
    expect(splitHighlights("")).toEqual([])
  })
})
