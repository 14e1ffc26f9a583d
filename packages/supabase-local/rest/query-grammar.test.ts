import { describe, expect, it } from "vitest"

import { ApiError } from "./errors"
import { negotiate } from "./negotiate"
import {
  parseColumns,
  parseFilter,
  parseLogic,
  parseOrder,
  parseSelect,
  splitKey,
} from "./query-grammar"
import { parsePrefer, resolveRange } from "./request"

const field = (name: string) => ({ name, json: [] })

function parseFailure(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error("expected a parse error")
}

describe("select grammar", () => {
  it("reads columns, aliases, casts and JSON paths", () => {
    expect(parseSelect("id,who:name,pages::text,meta->a->>b")).toEqual([
      { kind: "column", field: field("id") },
      { kind: "column", field: field("name"), alias: "who" },
      { kind: "column", field: field("pages"), cast: "text" },
      {
        kind: "column",
        field: {
          name: "meta",
          json: [
            { arrow: "->", key: "a" },
            { arrow: "->>", key: "b" },
          ],
        },
      },
    ])
  })

  it("reads embeds with hints, !inner, spreads and nesting", () => {
    expect(parseSelect("a:authors!fk!inner(name),...b(c(*))")).toEqual([
      {
        kind: "embed",
        name: "authors",
        alias: "a",
        hint: "fk",
        inner: true,
        spread: false,
        select: [{ kind: "column", field: field("name") }],
      },
      {
        kind: "embed",
        name: "b",
        inner: false,
        spread: true,
        select: [
          { kind: "embed", name: "c", inner: false, spread: false, select: [{ kind: "star" }] },
        ],
      },
    ])
  })

  it("reads an empty embed and quoted names", () => {
    expect(parseSelect('x(),"my col"')).toEqual([
      { kind: "embed", name: "x", inner: false, spread: false, select: [] },
      { kind: "column", field: field("my col") },
    ])
  })

  it("reads count() and aggregates", () => {
    expect(parseSelect("c:count(),pages.sum()::int")).toEqual([
      { kind: "count", alias: "c" },
      { kind: "column", field: field("pages"), aggregate: "sum", aggregateCast: "int" },
    ])
  })

  it.each(["id,(", "a(", "a:", "id::", "id::text from x", "a.nope()", "a!", "...b", '"open'])(
    "refuses %s with PGRST100",
    (text) => {
      const error = parseFailure(() => parseSelect(text))
      expect(error.code).toBe("PGRST100")
      expect(error.status).toBe(400)
    }
  )
})

describe("filter grammar", () => {
  it("reads operators with not, quantifiers and languages", () => {
    expect(parseFilter(field("a"), "not.eq(any).{1,2}")).toMatchObject({
      op: "eq",
      negated: true,
      quantifier: "any",
      value: "{1,2}",
    })
    expect(parseFilter(field("a"), "fts(english).cat")).toMatchObject({
      op: "fts",
      language: "english",
      value: "cat",
    })
  })

  it("reads in lists with quotes and escapes", () => {
    expect(parseFilter(field("a"), 'in.(1,"a,b","q\\"x", c)').list).toEqual([
      "1",
      "a,b",
      'q"x',
      " c",
    ])
  })

  it("keeps dots inside values", () => {
    expect(parseFilter(field("a"), "eq.1.5").value).toBe("1.5")
  })

  it.each(["nope.1", "eq", "is.maybe", "eq(some).1", "in.1,2", "like(any).x"])(
    "refuses %s",
    (value) => {
      expect(parseFailure(() => parseFilter(field("a"), value)).code).toBe("PGRST100")
    }
  )
})

describe("logic trees", () => {
  it("nests and/or with negation and quoted values", () => {
    expect(parseLogic("or", false, '(a.eq.1,not.and(b.gt.2,c.eq."x,y"))')).toEqual({
      kind: "logic",
      op: "or",
      negated: false,
      children: [
        {
          kind: "filter",
          filter: expect.objectContaining({ field: field("a"), op: "eq", value: "1" }),
        },
        {
          kind: "logic",
          op: "and",
          negated: true,
          children: [
            {
              kind: "filter",
              filter: expect.objectContaining({ field: field("b"), op: "gt", value: "2" }),
            },
            {
              kind: "filter",
              filter: expect.objectContaining({ field: field("c"), op: "eq", value: "x,y" }),
            },
          ],
        },
      ],
    })
  })

  it.each(["a.eq.1", "(a.eq.1", "(a.eq.1))", "(and(a.eq.1)", "()"])("refuses %s", (value) => {
    expect(parseFailure(() => parseLogic("or", false, value)).code).toBe("PGRST100")
  })
})

describe("order, keys and columns", () => {
  it("reads directions, nulls and related columns", () => {
    expect(parseOrder("a.desc.nullslast,b,c(d).asc")).toEqual([
      { field: field("a"), direction: "desc", nulls: "last" },
      { field: field("b") },
      { relation: "c", field: field("d"), direction: "asc" },
    ])
  })

  it("refuses unknown modifiers", () => {
    expect(parseFailure(() => parseOrder("a.sideways")).code).toBe("PGRST100")
  })

  it("splits keys on dots outside quotes", () => {
    expect(splitKey('a.b."c.d".order')).toEqual(["a", "b", '"c.d"', "order"])
  })

  it("reads columns=", () => {
    expect(parseColumns("a,b,c")).toEqual(["a", "b", "c"])
  })
})

describe("headers", () => {
  it("reads Prefer values and rejects unknown ones only with handling=strict", () => {
    expect(parsePrefer(["return=representation, count=exact", "tx=rollback"])).toMatchObject({
      return: "representation",
      count: "exact",
      tx: "rollback",
    })
    expect(parsePrefer("return=everything").invalid).toEqual(["return=everything"])
    const error = parseFailure(() => parsePrefer("handling=strict, return=everything"))
    expect(error).toMatchObject({
      code: "PGRST122",
      details: "Invalid preferences: return=everything",
    })
  })

  it("intersects Range with limit and offset and caps at max rows", () => {
    expect(resolveRange("0-9", { conditions: [], offset: 5, limit: 3 }, 1000)).toEqual({
      offset: 5,
      limit: 3,
    })
    expect(resolveRange("10-", undefined, 100)).toEqual({ offset: 10, limit: 100 })
    expect(resolveRange(undefined, { conditions: [], limit: 5000 }, 1000)).toEqual({
      offset: 0,
      limit: 1000,
    })
  })

  it("negotiates media types by quality", () => {
    expect(negotiate("text/csv;q=0.5, application/json").format).toBe("json")
    expect(negotiate("application/vnd.pgrst.object+json;nulls=stripped")).toMatchObject({
      singular: true,
      format: "json-stripped",
    })
    expect(parseFailure(() => negotiate("text/html")).code).toBe("PGRST107")
  })
})
