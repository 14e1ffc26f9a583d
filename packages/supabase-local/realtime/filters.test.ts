import { describe, expect, it } from "vitest"

import { FilterParseError, parseFilters } from "./filters"

describe("postgres_changes filter parsing", () => {
  it("reads each operator realtime-js builds", () => {
    expect(parseFilters("id=eq.5")).toEqual([{ column: "id", op: "eq", value: "5" }])
    for (const op of ["neq", "lt", "lte", "gt", "gte"]) {
      expect(parseFilters(`priority=${op}.3`)).toEqual([{ column: "priority", op, value: "3" }])
    }
  })

  it("keeps dots and equals signs inside values", () => {
    expect(parseFilters("email=eq.a.b=c@example.com")).toEqual([
      { column: "email", op: "eq", value: "a.b=c@example.com" },
    ])
  })

  it("turns `in` lists into array literals, quoted items included", () => {
    expect(parseFilters('body=in.(red,"green, dark")')).toEqual([
      { column: "body", op: "in", value: '{red,"green, dark"}' },
    ])
  })

  it("unquotes scalar values realtime-js had to quote", () => {
    expect(parseFilters('body=eq."a,b \\"c\\""')).toEqual([
      { column: "body", op: "eq", value: 'a,b "c"' },
    ])
  })

  it("combines several filters with AND", () => {
    expect(parseFilters("id=gt.0,id=lt.100")).toEqual([
      { column: "id", op: "gt", value: "0" },
      { column: "id", op: "lt", value: "100" },
    ])
  })

  it("treats an empty filter as none and refuses what it cannot read", () => {
    expect(parseFilters("")).toEqual([])
    expect(parseFilters(undefined)).toEqual([])
    expect(() => parseFilters("undefined")).toThrow(FilterParseError)
    expect(() => parseFilters("subject=foo.hey")).toThrow(/Error parsing `filter` params/)
    expect(() => parseFilters("id=in.1,2")).toThrow(FilterParseError)
    const many = Array.from({ length: 101 }, (_, i) => i).join(",")
    expect(() => parseFilters(`id=in.(${many})`)).toThrow(/Maximum 100/)
  })
})
