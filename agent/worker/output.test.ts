import { describe, expect, it } from "vitest"

import { type RunLogLine } from "@/lib/devices/runs-schema"

import { OutputBudget, StepOutput, truncationMarker } from "./output"

function collect(limit?: number) {
  const lines: RunLogLine[] = []
  let limited = 0
  const output = new StepOutput(
    new OutputBudget(limit),
    (line) => lines.push(line),
    () => (limited += 1)
  )

  return { lines, output, limited: () => limited }
}

describe("StepOutput", () => {
  it("splits chunks into lines across chunk and UTF-8 boundaries, CRLF included", () => {
    const { lines, output } = collect()
    const text = Buffer.from("héllo\r\nwor")
    output.write("stdout", text.subarray(0, 2))
    output.write("stdout", text.subarray(2))
    output.write("stdout", Buffer.from("ld\n"))
    output.write("stderr", Buffer.from("oops"))
    output.end()
    expect(lines).toEqual([
      { stream: "stdout", line: "héllo" },
      { stream: "stdout", line: "world" },
      { stream: "stderr", line: "oops" },
    ])
  })

  it("passes ANSI colours and a step's own group markers through untouched", () => {
    const { lines, output } = collect()
    output.write(
      "stdout",
      Buffer.from("::group::Install\n\u001b[32mok\u001b[0m\n::endgroup::\n")
    )
    expect(lines.map((l) => l.line)).toEqual([
      "::group::Install",
      "\u001b[32mok\u001b[0m",
      "::endgroup::",
    ])
  })

  it("cuts a line longer than a stored line can hold", () => {
    const { lines, output } = collect()
    output.write("stdout", Buffer.from(`${"a".repeat(16_384 + 10)}\n`))
    expect(lines.map((l) => l.line.length)).toEqual([16_384, 10])
  })

  it("truncates at the budget with a marker, once, and asks to stop the step", () => {
    const { lines, output, limited } = collect(10)
    output.write("stdout", Buffer.from("12345\n"))
    output.write("stdout", Buffer.from("67890abc\n"))
    output.write("stdout", Buffer.from("more\n"))
    expect(lines).toEqual([
      { stream: "stdout", line: "12345" },
      { stream: "stdout", line: "6789" },
      { stream: "system", line: truncationMarker(10) },
    ])
    expect(limited()).toBe(1)
  })

  it("makes a step's own ::group:: lines group markers, never closes more than it opened, and closes what it left open", () => {
    const { lines, output } = collect()
    output.write(
      "stdout",
      Buffer.from(
        "::endgroup::\n::group::Outer\nin\n::group::Inner\n::endgroup::\n::group::Left open"
      )
    )
    output.end()
    expect(lines).toEqual([
      // Nothing of the step's is open: text, so the worker's own step group stays open.
      { stream: "stdout", line: "::endgroup::" },
      { stream: "system", line: "::group::Outer" },
      { stream: "stdout", line: "in" },
      { stream: "system", line: "::group::Inner" },
      { stream: "system", line: "::endgroup::" },
      { stream: "system", line: "::group::Left open" },
      { stream: "system", line: "::endgroup::" },
      { stream: "system", line: "::endgroup::" },
    ])
  })
})
