import { describe, expect, it } from "vitest"

import { paramsAsEnv, resolveParams } from "./params"

const definition = {
  inputs: {
    ref: { type: "string" as const, default: "main" },
    samples: { type: "number" as const },
    dry_run: { type: "boolean" as const, default: false },
  },
}

describe("resolveParams", () => {
  it("fills defaults and keeps given values", () => {
    expect(resolveParams(definition, { samples: 3 })).toEqual({
      ok: true,
      params: { ref: "main", samples: 3, dry_run: false },
    })
  })

  it.each([
    [{}, "samples"],
    [{ samples: "3" }, "samples"],
    [{ samples: 3, extra: 1 }, 'unknown input "extra"'],
  ])("refuses %j", (params, expected) => {
    const result = resolveParams(definition, params)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problem).toContain(expected)
  })

  it("takes any empty params when there are no inputs", () => {
    expect(resolveParams({}, {})).toEqual({ ok: true, params: {} })
    expect(resolveParams({}, { x: 1 }).ok).toBe(false)
  })
})

describe("paramsAsEnv", () => {
  it("names each input INPUT_<NAME>", () => {
    expect(paramsAsEnv({ ref: "v1", dry_run: true, n: 2 })).toEqual({
      INPUT_REF: "v1",
      INPUT_DRY_RUN: "true",
      INPUT_N: "2",
    })
  })
})
