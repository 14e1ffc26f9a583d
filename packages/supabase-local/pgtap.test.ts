import { describe, expect, it } from "vitest"

import { judge } from "./pgtap"

describe("a pgTAP file's TAP, judged as TAP::Harness does", () => {
  it("passes when every planned test ran and passed, TODO failures included", () => {
    expect(judge(["1..2", "ok 1 - a", "not ok 2 - b # TODO later"])).toEqual({ passed: true })
  })

  it("fails on a failed test, a missing or short plan, or a bail-out", () => {
    expect(judge(["1..2", "ok 1", "not ok 2 - b", "# Failed test 2"])).toEqual({
      passed: false,
      problem: "failed 1/2",
    })
    expect(judge(["ok 1"])).toEqual({ passed: false, problem: "no plan" })
    expect(judge(["1..3", "ok 1"])).toEqual({ passed: false, problem: "planned 3 tests but ran 1" })
    expect(judge(["1..1", "Bail out! no database"])).toEqual({
      passed: false,
      problem: "bailed out",
    })
  })
})
