import { describe, expect, it } from "vitest"

import { ansiToSegments, stripAnsi } from "./ansi"

describe("ansiToSegments", () => {
  it("turns colour codes into classes from its own table", () => {
    expect(ansiToSegments("\u001b[1;31merror\u001b[0m: failed")).toEqual([
      { text: "error", className: "text-red-700 dark:text-red-400 font-bold" },
      { text: ": failed", className: "" },
    ])
    expect(ansiToSegments("\u001b[38;5;2mok\u001b[0m")[0]!.className).toContain(
      "emerald"
    )
    expect(ansiToSegments("\u001b[42m pass \u001b[0m")[0]!.className).toContain(
      "bg-emerald"
    )
  })

  it("keeps markup in a line as text, whatever escape sequences surround it", () => {
    const attacks = [
      '<img src=x onerror="alert(1)">',
      "\u001b[31m<script>alert(1)</script>\u001b[0m",
      "\u001b]8;;javascript:alert(1)\u001b\\click\u001b]8;;\u001b\\",
      '\u001b[38;2;1;2;3m"><svg onload=alert(1)>',
      "\u001b[31;<b>m</b>x",
    ]
    for (const line of attacks) {
      const segments = ansiToSegments(line)
      for (const segment of segments) {
        // Classes only ever come from the table: Tailwind tokens, no quotes or brackets.
        expect(segment.className).toMatch(/^[a-z0-9:/\- .]*$/)
        expect(segment.text).not.toContain("\u001b")
      }
      expect(segments.map((segment) => segment.text).join("")).toBe(
        stripAnsi(line)
      )
    }
    expect(ansiToSegments('<img src=x onerror="alert(1)">')).toEqual([
      { text: '<img src=x onerror="alert(1)">', className: "" },
    ])
    // An OSC 8 hyperlink's target never reaches the page; its text does.
    expect(
      ansiToSegments(
        "\u001b]8;;javascript:alert(1)\u001b\\click\u001b]8;;\u001b\\"
      )
        .map((segment) => segment.text)
        .join("")
    ).toBe("click")
  })

  it("drops colours it has no class for and control characters, keeping tabs", () => {
    expect(ansiToSegments("\u001b[38;2;255;0;0mtrue\tcolour\u0007")).toEqual([
      { text: "true\tcolour", className: "" },
    ])
    expect(ansiToSegments("")).toEqual([])
  })
})

describe("stripAnsi", () => {
  it("removes every escape sequence", () => {
    expect(stripAnsi("\u001b[1m$ npm ci\u001b[0m\u001b[2K\u001b[1G")).toBe(
      "$ npm ci"
    )
  })
})
