import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  ALICE,
  anonClient,
  BOB,
  MAX_ROWS,
  recordingClient,
  startConformanceStack,
  tokenClient,
  userClient,
  userToken,
} from "../testing/rest-conformance"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// Reads through @supabase/supabase-js against the fixture library, asserting what PostgREST
// answers: rows, status, headers and error codes.
let stack: TestStack
let anon: ReturnType<typeof anonClient>

beforeAll(async () => {
  stack = await startConformanceStack()
  anon = anonClient(stack)
})
afterAll(async () => {
  await stack?.stop()
})

const ids = (data: unknown) => (data as { id: number }[] | null)?.map((row) => row.id)

describe(`REST reads: select (${TEST_ENGINE})`, () => {
  it("selects named columns in primary-key order when asked", async () => {
    const { data, error, status } = await anon.from("authors").select("id,name").order("id")
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data).toEqual([
      { id: 1, name: "Ursula K. Le Guin" },
      { id: 2, name: "Stanisław Lem" },
      { id: 3, name: "Octavia E. Butler" },
      { id: 4, name: "Anonymous" },
    ])
  })

  it("selects * with every column and Postgres' JSON for each type", async () => {
    const { data } = await anon.from("books").select("*").eq("id", 1).single()
    expect(data).toEqual({
      id: 1,
      title: "A Wizard of Earthsea",
      author_id: 1,
      pages: 183,
      tags: ["fantasy", "classic"],
      meta: { series: "Earthsea", order: 1, awards: ["Boston Globe"] },
      published: true,
      price: 9.99,
      summary: "A young wizard named Ged",
      search: expect.any(String),
    })
  })

  it("renames columns with aliases", async () => {
    const { data } = await anon.from("authors").select("who:name,nation:country").eq("id", 2)
    expect(data).toEqual([{ who: "Stanisław Lem", nation: "PL" }])
  })

  it("casts columns", async () => {
    const { data } = await anon.from("books").select("id,pages::text,price::int").eq("id", 2)
    expect(data).toEqual([{ id: 2, pages: "304", price: 13 }])
  })

  it("reads JSON paths with -> and ->>, named after the last key", async () => {
    const { data } = await anon
      .from("books")
      .select("series:meta->>series,meta->order,first_award:meta->awards->>0")
      .eq("id", 1)
    expect(data).toEqual([{ series: "Earthsea", order: 1, first_award: "Boston Globe" }])
  })

  it("returns dates, numerics and nulls as PostgREST does", async () => {
    const { data } = await anon.from("authors").select("born,country").eq("id", 4)
    expect(data).toEqual([{ born: null, country: null }])
    const { data: dated } = await anon.from("authors").select("born").eq("id", 1)
    expect(dated).toEqual([{ born: "1929-10-21" }])
  })

  it("answers 42703 for an unknown column", async () => {
    const { error, status } = await anon.from("books").select("id,nope")
    expect(status).toBe(400)
    expect(error).toMatchObject({ code: "42703", message: "column books.nope does not exist" })
  })

  it("answers PGRST100 for a malformed select", async () => {
    const { error, status } = await anon.from("books").select("id,authors(name")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST100")
    expect(error?.message).toMatch(/^"failed to parse select/)
  })

  it("answers PGRST123 for aggregates, which PostgREST disables by default", async () => {
    const { error, status } = await anon.from("books").select("pages.sum()")
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST123",
      message: "Use of aggregate functions is not allowed",
    })
  })

  it("counts with the count column, as Postgres reads tbl.count", async () => {
    const { data } = await anon.from("books").select("count")
    expect(data).toEqual([{ count: 6 }])
  })
})

describe(`REST reads: filters (${TEST_ENGINE})`, () => {
  const cases: [string, string, string, number[]][] = [
    ["eq", "id", "eq.3", [3]],
    ["neq", "author_id", "neq.1", [3, 4, 5, 6]],
    ["gt", "pages", "gt.295", [2, 6]],
    ["gte", "pages", "gte.295", [2, 4, 6]],
    ["lt", "pages", "lt.204", [1]],
    ["lte", "pages", "lte.204", [1, 3]],
    ["like (case-sensitive, * as %)", "title", "like.*the*", [6]],
    ["ilike", "title", "ilike.*the*", [2, 4, 6]],
    ["match", "title", "match.^The", [2, 4]],
    ["imatch", "title", "imatch.^the", [2, 4]],
    ["is.true", "published", "is.true", [1, 2, 3, 5]],
    ["is.false", "published", "is.false", [4, 6]],
    ["is.null", "price", "is.null", [4]],
    ["not.is.null", "price", "not.is.null", [1, 2, 3, 5, 6]],
    ["is.unknown on a boolean", "published", "is.unknown", []],
    ["isdistinct", "author_id", "isdistinct.1", [3, 4, 5, 6]],
    ["in", "id", "in.(1,3,5)", [1, 3, 5]],
    ["not.in", "id", "not.in.(1,3,5)", [2, 4, 6]],
    ["in with quoted values", "title", 'in.("Solaris","Kindred")', [3, 5]],
    ["in with a comma inside quotes", "title", 'in.("Solaris","A, B")', [3]],
    ["in with an empty list", "id", "in.()", []],
    ["cs on an array", "tags", "cs.{scifi,classic}", [2]],
    ["cd on an array", "tags", "cd.{scifi,humor,dystopia}", [3, 4, 5, 6]],
    ["ov on an array", "tags", "ov.{humor,fantasy}", [1, 4]],
    ["cs on jsonb", "meta", 'cs.{"series":"Earthsea"}', [1]],
    ["fts", "search", "fts.ocean", [3]],
    ["fts with a config", "search", "fts(english).planet", [2, 3]],
    ["plfts", "search", "plfts.young wizard", [1]],
    ["phfts", "search", "phfts(english).sentient ocean", [3]],
    ["wfts", "search", "wfts.robot -ocean", [4]],
    ["fts on a text column", "summary", "fts(english).drought", [6]],
    ["not.fts", "search", "not.fts.planet", [1, 4, 5, 6]],
    ["eq(any)", "id", "eq(any).{1,2}", [1, 2]],
    ["like(all)", "title", "like(all).{*a*,*e*}", [1, 2, 4, 6]],
    ["like(any)", "title", "like(any).{Sol*,Kin*}", [3, 5]],
    ["gt(all)", "pages", "gt(all).{200,300}", [2, 6]],
    ["not.eq", "published", "not.eq.true", [4, 6]],
    ["->> text path", "meta->>series", "eq.Hainish", [2]],
    ["-> json path", "meta->order", "eq.1", [1, 5, 6]],
    ["numeric", "price", "gte.11", [2, 3, 6]],
  ]

  it.each(cases)("%s (inside or=)", async (_name, column, filter, expected) => {
    const { data, error } = await anon
      .from("books")
      .select("id")
      .order("id")
      .or(`${column}.${filter}`)
    expect(error).toBeNull()
    expect(ids(data)).toEqual(expected)
  })

  it.each(cases)("%s (as a top-level parameter)", async (_name, column, filter, expected) => {
    const negated = filter.startsWith("not.")
    const [operator, ...rest] = (negated ? filter.slice(4) : filter).split(".")
    const value = rest.join(".")
    const query = negated
      ? anon.from("books").select("id").not(column, operator!, value)
      : anon.from("books").select("id").filter(column, operator!, value)
    const { data, error } = await query.order("id")
    expect(error).toBeNull()
    expect(ids(data)).toEqual(expected)
  })

  const ranges: [string, string, string, number[]][] = [
    ["sl", "sl", "[10,20)", [1, 2, 3]],
    ["sr", "sr", "[0,2)", [2, 3]],
    ["nxr", "nxr", "[0,6)", [1]],
    ["nxl", "nxl", "[4,100)", [2]],
    ["adj", "adj", "[10,12)", [2]],
    ["ov", "ov", "[4,6)", [1, 2, 3]],
    ["cs", "cs", "[2,3)", [1]],
  ]
  it.each(ranges)("range operator %s", async (_name, operator, value, expected) => {
    const { data, error } = await anon
      .from("reservations")
      .select("id")
      .filter("during", operator, value)
      .order("id")
    expect(error).toBeNull()
    expect(ids(data)).toEqual(expected)
  })

  it("combines several filters with and", async () => {
    const { data } = await anon
      .from("books")
      .select("id")
      .gt("pages", 200)
      .lt("pages", 300)
      .order("id")
    expect(ids(data)).toEqual([3, 4, 5])
  })

  it("nests or and and", async () => {
    const { data } = await anon
      .from("books")
      .select("id")
      .or("id.eq.1,and(pages.gt.300,published.is.false)")
      .order("id")
    expect(ids(data)).toEqual([1, 6])
  })

  it("negates a logic tree with not.or", async () => {
    const response = await fetch(
      `${stack.url}/rest/v1/books?select=id&not.or=(id.lt.3,id.gt.4)&order=id`,
      {
        headers: { apikey: stack.keys.anonKey },
      }
    )
    expect(await response.json()).toEqual([{ id: 3 }, { id: 4 }])
  })

  it("accepts in lists and quoted values inside or", async () => {
    const { data } = await anon
      .from("books")
      .select("id")
      .or('id.in.(1,2),title.eq."Solaris"')
      .order("id")
    expect(ids(data)).toEqual([1, 2, 3])
  })

  it("answers PGRST100 for an unknown operator", async () => {
    const { error, status } = await anon.from("books").select("id").filter("id", "nope", "1")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST100")
    expect(error).toMatchObject({
      message: '"failed to parse filter (nope.1)" (line 1, column 1)',
      details: 'unexpected "n" expecting "not" or operator (eq, gt, ...)',
    })
  })

  it("answers PGRST100 for a malformed or", async () => {
    const { error, status } = await anon.from("books").select("id").or("id.eq.1,(")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST100")
    expect(error?.message).toMatch(/^"failed to parse logic tree/)
  })

  it("answers 22P02 when a value does not fit the column type", async () => {
    const { error, status } = await anon.from("books").select("id").eq("id", "abc")
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "22P02",
      message: 'invalid input syntax for type integer: "abc"',
    })
  })

  it("answers PGRST100 for an invalid is value", async () => {
    const { error, status } = await anon.from("books").select("id").filter("price", "is", "maybe")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST100")
  })
})

describe(`REST reads: order, limits and ranges (${TEST_ENGINE})`, () => {
  it("orders descending", async () => {
    const { data } = await anon.from("books").select("id").order("pages", { ascending: false })
    expect(ids(data)).toEqual([6, 2, 4, 5, 3, 1])
  })

  it("orders with nulls first", async () => {
    const { data } = await anon.from("books").select("id").order("price", { nullsFirst: true })
    expect(ids(data)).toEqual([4, 1, 5, 3, 2, 6])
  })

  it("orders descending with nulls last", async () => {
    const { data } = await anon
      .from("books")
      .select("id")
      .order("price", { ascending: false, nullsFirst: false })
    expect(ids(data)).toEqual([6, 2, 3, 5, 1, 4])
  })

  it("orders by several columns", async () => {
    const { data } = await anon
      .from("books")
      .select("id")
      .order("author_id")
      .order("pages", { ascending: false })
    expect(ids(data)).toEqual([2, 1, 4, 3, 6, 5])
  })

  it("orders by a JSON path", async () => {
    const { data } = await anon
      .from("books")
      .select("id")
      .not("meta->order", "is", null)
      .order("meta->order", { ascending: false })
      .order("id")
    expect(ids(data)).toEqual([2, 1, 5, 6])
  })

  it("answers PGRST100 for a malformed order", async () => {
    const { error, status } = await anon
      .from("books")
      .select("id")
      .order("pages.sideways" as "pages")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST100")
  })

  it("limits rows", async () => {
    const { data } = await anon.from("books").select("id").order("id").limit(2)
    expect(ids(data)).toEqual([1, 2])
  })

  it("pages with range (offset and limit) and reports Content-Range", async () => {
    const recorder = recordingClient(stack)
    const { data, status } = await recorder.client
      .from("books")
      .select("id")
      .order("id")
      .range(2, 3)
    expect(ids(data)).toEqual([3, 4])
    expect(status).toBe(200)
    expect(recorder.header("content-range")).toBe("2-3/*")
  })

  it("answers 206 with the total when a counted page is partial", async () => {
    const recorder = recordingClient(stack)
    const { data, status, count } = await recorder.client
      .from("books")
      .select("id", { count: "exact" })
      .order("id")
      .range(0, 1)
    expect(ids(data)).toEqual([1, 2])
    expect(status).toBe(206)
    expect(count).toBe(6)
    expect(recorder.header("content-range")).toBe("0-1/6")
  })

  it("answers 200 when a counted page holds every row", async () => {
    const recorder = recordingClient(stack)
    const { status, count } = await recorder.client.from("authors").select("id", { count: "exact" })
    expect(status).toBe(200)
    expect(count).toBe(4)
    expect(recorder.header("content-range")).toBe("0-3/4")
  })

  it("answers */0 for an empty counted result", async () => {
    const recorder = recordingClient(stack)
    const { data, status, count } = await recorder.client
      .from("books")
      .select("id", { count: "exact" })
      .eq("id", 99)
    expect(data).toEqual([])
    expect(status).toBe(200)
    expect(count).toBe(0)
    expect(recorder.header("content-range")).toBe("*/0")
  })

  it("answers */* for an empty uncounted result", async () => {
    const recorder = recordingClient(stack)
    await recorder.client.from("books").select("id").eq("id", 99)
    expect(recorder.header("content-range")).toBe("*/*")
  })

  it("answers 416 PGRST103 for an offset past the counted rows", async () => {
    const { error, status } = await anon
      .from("authors")
      .select("id", { count: "exact" })
      .range(10, 12)
    expect(status).toBe(416)
    expect(error).toMatchObject({
      code: "PGRST103",
      message: "Requested range not satisfiable",
      details: "An offset of 10 was requested, but there are only 4 rows.",
    })
  })

  it("honours the Range header", async () => {
    const { data, status } = await anon
      .from("books")
      .select("id")
      .order("id")
      .setHeader("Range", "2-3")
    expect(status).toBe(200)
    expect(ids(data)).toEqual([3, 4])
  })

  it("answers 416 for a Range whose lower bound is above its upper bound", async () => {
    const { error, status } = await anon.from("books").select("id").setHeader("Range", "5-2")
    expect(status).toBe(416)
    expect(error).toMatchObject({
      code: "PGRST103",
      details:
        "The lower boundary must be lower than or equal to the upper boundary in the Range header.",
    })
  })

  it("caps results at max_rows", async () => {
    const recorder = recordingClient(stack)
    const { data, status, count } = await recorder.client
      .from("numbers")
      .select("n", { count: "exact" })
      .order("n")
    expect(data).toHaveLength(MAX_ROWS)
    expect(status).toBe(206)
    expect(count).toBe(150)
    expect(recorder.header("content-range")).toBe(`0-${MAX_ROWS - 1}/150`)
  })

  it("counts with HEAD without a body", async () => {
    const { data, count, status } = await anon
      .from("books")
      .select("*", { count: "exact", head: true })
      .eq("published", true)
    expect(status).toBe(200)
    expect(data).toBeNull()
    expect(count).toBe(4)
  })

  it("gives a planned count", async () => {
    const { count, error } = await anon
      .from("numbers")
      .select("n", { count: "planned", head: true })
    expect(error).toBeNull()
    expect(typeof count).toBe("number")
  })

  it("gives an estimated count, exact below max_rows", async () => {
    const { count } = await anon.from("books").select("id", { count: "estimated", head: true })
    expect(count).toBe(6)
  })

  it("ignores a non-numeric limit, as PostgREST does", async () => {
    const response = await fetch(`${stack.url}/rest/v1/books?select=id&limit=ten`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toHaveLength(6)
  })

  it("answers 416 for a negative limit", async () => {
    const response = await fetch(`${stack.url}/rest/v1/books?select=id&limit=-1`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(response.status).toBe(416)
    expect(await response.json()).toMatchObject({
      code: "PGRST103",
      details: "Limit should be greater than or equal to zero.",
    })
  })
})

describe(`REST reads: embedded resources (${TEST_ENGINE})`, () => {
  it("embeds many-to-one as an object", async () => {
    const { data } = await anon.from("books").select("title,authors(name)").eq("id", 3)
    expect(data).toEqual([{ title: "Solaris", authors: { name: "Stanisław Lem" } }])
  })

  it("embeds one-to-many as an array", async () => {
    const { data } = await anon
      .from("authors")
      .select("name,books(id)")
      .eq("id", 2)
      .order("id", { referencedTable: "books" })
    expect(data).toEqual([{ name: "Stanisław Lem", books: [{ id: 3 }, { id: 4 }] }])
  })

  it("embeds an empty array when nothing relates", async () => {
    const { data } = await anon.from("authors").select("name,books(id)").eq("id", 4)
    expect(data).toEqual([{ name: "Anonymous", books: [] }])
  })

  it("embeds null for a missing to-one", async () => {
    const { data } = await anon
      .from("authors")
      .select("id,author_profiles(bio)")
      .in("id", [2, 3])
      .order("id")
    expect(data).toEqual([
      { id: 2, author_profiles: { bio: "Wrote Solaris" } },
      { id: 3, author_profiles: null },
    ])
  })

  it("embeds one-to-one from the referenced side as an object", async () => {
    const { data } = await anon.from("authors").select("author_profiles(bio)").eq("id", 1)
    expect(data).toEqual([{ author_profiles: { bio: "Wrote Earthsea" } }])
  })

  it("embeds many-to-many through the junction", async () => {
    const { data } = await anon
      .from("books")
      .select("id,genres(name)")
      .eq("id", 4)
      .order("id", { referencedTable: "genres" })
    expect(data).toEqual([{ id: 4, genres: [{ name: "Science fiction" }, { name: "Humor" }] }])
  })

  it("aliases an embed", async () => {
    const { data } = await anon.from("books").select("id,writer:authors(name)").eq("id", 5)
    expect(data).toEqual([{ id: 5, writer: { name: "Octavia E. Butler" } }])
  })

  it("embeds through the foreign key column name", async () => {
    const { data } = await anon.from("books").select("id,author:author_id(name)").eq("id", 5)
    expect(data).toEqual([{ id: 5, author: { name: "Octavia E. Butler" } }])
  })

  it("nests embeds", async () => {
    const { data } = await anon
      .from("authors")
      .select("name,books(title,genres(name))")
      .eq("id", 1)
      .order("id", { referencedTable: "books" })
    expect(data).toEqual([
      {
        name: "Ursula K. Le Guin",
        books: [
          { title: "A Wizard of Earthsea", genres: [{ name: "Fantasy" }] },
          { title: "The Left Hand of Darkness", genres: [{ name: "Science fiction" }] },
        ],
      },
    ])
  })

  it("filters inside an embed without filtering the parent", async () => {
    const { data } = await anon
      .from("authors")
      .select("id,books(id)")
      .gt("books.pages", 300)
      .order("id")
      .order("id", { referencedTable: "books" })
    expect(data).toEqual([
      { id: 1, books: [{ id: 2 }] },
      { id: 2, books: [] },
      { id: 3, books: [{ id: 6 }] },
      { id: 4, books: [] },
    ])
  })

  it("filters parents with !inner", async () => {
    const { data } = await anon
      .from("authors")
      .select("id,books!inner(id)")
      .gt("books.pages", 300)
      .order("id")
    expect(data).toEqual([
      { id: 1, books: [{ id: 2 }] },
      { id: 3, books: [{ id: 6 }] },
    ])
  })

  it("filters by a to-one embed with !inner", async () => {
    const { data } = await anon
      .from("books")
      .select("id,authors!inner(country)")
      .eq("authors.country", "PL")
      .order("id")
    expect(data).toEqual([
      { id: 3, authors: { country: "PL" } },
      { id: 4, authors: { country: "PL" } },
    ])
  })

  it("counts an !inner embed's parents correctly", async () => {
    const { count } = await anon
      .from("authors")
      .select("id,books!inner(id)", { count: "exact" })
      .gt("books.pages", 300)
    expect(count).toBe(2)
  })

  it("filters parents by an embed being null (not.is.null acts like !inner)", async () => {
    const { data } = await anon
      .from("authors")
      .select("id,author_profiles(bio)")
      .not("author_profiles", "is", null)
      .order("id")
    expect(ids(data)).toEqual([1, 2])
    const { data: without } = await anon
      .from("authors")
      .select("id,author_profiles(bio)")
      .is("author_profiles", null)
      .order("id")
    expect(ids(without)).toEqual([3, 4])
  })

  it("answers PGRST120 for other operators on an embed", async () => {
    const { error, status } = await anon
      .from("authors")
      .select("id,author_profiles(bio)")
      .eq("author_profiles", "x")
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST120",
      message: "Bad operator on the 'author_profiles' embedded resource",
      details: "Only is null or not is null filters are allowed on embedded resources",
    })
  })

  it("orders and limits inside an embed", async () => {
    const { data } = await anon
      .from("authors")
      .select("id,books(id)")
      .eq("id", 1)
      .order("pages", { referencedTable: "books", ascending: false })
      .limit(1, { referencedTable: "books" })
    expect(data).toEqual([{ id: 1, books: [{ id: 2 }] }])
  })

  it("orders parents by a to-one embed's column", async () => {
    const { data } = await anon
      .from("books")
      .select("id,authors(name)")
      .order("authors(name)")
      .order("id")
    // Octavia (5,6), Stanisław (3,4), Ursula (1,2)
    expect(ids(data)).toEqual([5, 6, 3, 4, 1, 2])
  })

  it("answers PGRST108 for ordering by an embed missing from select", async () => {
    const { error, status } = await anon.from("books").select("id").order("authors(name)")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST108")
  })

  it("answers PGRST118 for ordering by a to-many embed", async () => {
    const { error, status } = await anon
      .from("authors")
      .select("id,books(id)")
      .order("books(title)")
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST118",
      message: "A related order on 'books' is not possible",
      details: "'authors' and 'books' do not form a many-to-one or one-to-one relationship",
    })
  })

  it("spreads a to-one embed's columns into the parent", async () => {
    const { data } = await anon
      .from("books")
      .select("title,...authors(author_name:name,country)")
      .eq("id", 3)
    expect(data).toEqual([{ title: "Solaris", author_name: "Stanisław Lem", country: "PL" }])
  })

  it("spreads a to-many embed's columns as arrays", async () => {
    const { data } = await anon
      .from("authors")
      .select("name,...books(titles:title)")
      .eq("id", 2)
      .order("id", { referencedTable: "books" })
    expect(data).toEqual([{ name: "Stanisław Lem", titles: ["Solaris", "The Cyberiad"] }])
  })

  it("counts an embedded resource", async () => {
    const { data } = await anon.from("authors").select("id,books(count)").order("id")
    expect(data).toEqual([
      { id: 1, books: [{ count: 2 }] },
      { id: 2, books: [{ count: 2 }] },
      { id: 3, books: [{ count: 2 }] },
      { id: 4, books: [{ count: 0 }] },
    ])
  })

  it("embeds nothing for an empty embed list but still joins", async () => {
    const { data } = await anon
      .from("books")
      .select("id,authors!inner()")
      .eq("authors.country", "US")
      .order("id")
    expect(data).toEqual([{ id: 1 }, { id: 2 }, { id: 5 }, { id: 6 }])
  })

  it("disambiguates two foreign keys to one table with a hint", async () => {
    const { data } = await anon
      .from("messages")
      .select("body,sender:people!sender_id(name),receiver:people!messages_receiver_id_fkey(name)")
      .eq("id", 1)
    expect(data).toEqual([
      { body: "hello Grace", sender: { name: "Ada" }, receiver: { name: "Grace" } },
    ])
  })

  it("answers 300 PGRST201 for an ambiguous embed", async () => {
    const { error, status } = await anon.from("messages").select("body,people(name)")
    expect(status).toBe(300)
    expect(error).toMatchObject({
      code: "PGRST201",
      message:
        "Could not embed because more than one relationship was found for 'messages' and 'people'",
      hint: "Try changing 'people' to one of the following: 'people!messages_receiver_id_fkey', 'people!messages_sender_id_fkey'. Find the desired relationship in the 'details' key.",
    })
    expect(error?.details).toEqual([
      {
        cardinality: "many-to-one",
        embedding: "messages with people",
        relationship: "messages_receiver_id_fkey using messages(receiver_id) and people(id)",
      },
      {
        cardinality: "many-to-one",
        embedding: "messages with people",
        relationship: "messages_sender_id_fkey using messages(sender_id) and people(id)",
      },
    ])
  })

  it("embeds one-to-many over a chosen foreign key", async () => {
    const { data } = await anon.from("people").select("name,messages!sender_id(body)").eq("id", 1)
    expect(data).toEqual([{ name: "Ada", messages: [{ body: "hello Grace" }] }])
  })

  it("embeds a self-referencing many-to-one through its column", async () => {
    const { data } = await anon.from("people").select("name,manager:manager_id(name)").eq("id", 4)
    expect(data).toEqual([{ name: "Ken", manager: { name: "Grace" } }])
  })

  it("answers 400 PGRST200 when no relationship exists", async () => {
    const { error, status } = await anon.from("books").select("id,genre(name)")
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST200",
      message: "Could not find a relationship between 'books' and 'genre' in the schema cache",
      details:
        "Searched for a foreign key relationship between 'books' and 'genre' in the schema 'public', but no matches were found.",
      hint: "Perhaps you meant 'genres' instead of 'genre'.",
    })
  })

  it("answers PGRST108 for a filter on a resource that is not embedded", async () => {
    const { error, status } = await anon.from("authors").select("id").eq("books.id", 1)
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST108",
      message: "'books' is not an embedded resource in this request",
      hint: "Verify that 'books' is included in the 'select' query parameter.",
    })
  })

  it("reads a view", async () => {
    const { data } = await anon.from("published_books").select("id,title").order("id")
    expect(ids(data)).toEqual([1, 2, 3, 5])
  })

  it("embeds from a view through its base table's foreign key", async () => {
    const { data } = await anon
      .from("published_books")
      .select("id,authors(name)")
      .in("id", [3, 5])
      .order("id")
    expect(data).toEqual([
      { id: 3, authors: { name: "Stanisław Lem" } },
      { id: 5, authors: { name: "Octavia E. Butler" } },
    ])
  })

  it("embeds a view from a table through the view's base foreign key", async () => {
    const { data } = await anon
      .from("authors")
      .select("id,published_books(id)")
      .eq("id", 3)
      .order("id", { referencedTable: "published_books" })
    expect(data).toEqual([{ id: 3, published_books: [{ id: 5 }] }])
  })
})

describe(`REST reads: content negotiation (${TEST_ENGINE})`, () => {
  it("returns one object with single()", async () => {
    const recorder = recordingClient(stack)
    const { data, status } = await recorder.client
      .from("authors")
      .select("name")
      .eq("id", 3)
      .single()
    expect(status).toBe(200)
    expect(data).toEqual({ name: "Octavia E. Butler" })
    expect(recorder.header("content-type")).toBe("application/vnd.pgrst.object+json; charset=utf-8")
  })

  it("answers 406 PGRST116 for single() on zero rows", async () => {
    const { error, status } = await anon.from("authors").select("name").eq("id", 99).single()
    expect(status).toBe(406)
    expect(error).toMatchObject({
      code: "PGRST116",
      message: "Cannot coerce the result to a single JSON object",
      details: "The result contains 0 rows",
    })
  })

  it("answers 406 PGRST116 for single() on several rows", async () => {
    const { error, status } = await anon.from("authors").select("name").single()
    expect(status).toBe(406)
    expect(error).toMatchObject({ code: "PGRST116", details: "The result contains 4 rows" })
  })

  it("returns null for maybeSingle() on zero rows", async () => {
    const { data, error } = await anon.from("authors").select("name").eq("id", 99).maybeSingle()
    expect(error).toBeNull()
    expect(data).toBeNull()
  })

  it("returns CSV with csv()", async () => {
    const { data, error } = await anon
      .from("books")
      .select("id,title,price")
      .in("id", [2, 4])
      .order("id")
      .csv()
    expect(error).toBeNull()
    expect(data).toBe('id,title,price\n2,"The Left Hand of Darkness",12.50\n4,"The Cyberiad",')
  })

  it("strips null values with stripNulls()", async () => {
    const recorder = recordingClient(stack)
    const { data } = await recorder.client
      .from("authors")
      .select("id,country,born")
      .in("id", [3, 4])
      .order("id")
      .stripNulls()
    expect(data).toEqual([{ id: 3, country: "US", born: "1947-06-22" }, { id: 4 }])
    expect(recorder.header("content-type")).toBe(
      "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
    )
  })

  it("answers PGRST100 for a cast that is not a type name", async () => {
    const response = await fetch(
      `${stack.url}/rest/v1/books?select=${encodeURIComponent("id::text from pg_authid")}`,
      { headers: { apikey: stack.keys.anonKey } }
    )
    expect(response.status).toBe(400)
    expect((await response.json()).code).toBe("PGRST100")
    // supabase-js strips the spaces; the result is then simply an unknown type.
    const { error, status } = await anon.from("books").select("id::text from pg_authid")
    expect(status).toBe(400)
    expect(error?.code).toBe("42704")
  })

  it("answers JSON for application/json and */*", async () => {
    for (const accept of ["application/json", "*/*"]) {
      const response = await fetch(`${stack.url}/rest/v1/authors?select=id&id=eq.1`, {
        headers: { apikey: stack.keys.anonKey, accept },
      })
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      expect(await response.json()).toEqual([{ id: 1 }])
    }
  })

  it("answers 406 PGRST107 for an unavailable media type", async () => {
    const { error, status } = await anon
      .from("authors")
      .select("id")
      .setHeader("Accept", "application/xml")
    expect(status).toBe(406)
    expect(error).toMatchObject({
      code: "PGRST107",
      message: "None of these media types are available: application/xml",
    })
  })

  it("reads another exposed schema with Accept-Profile and says so in Content-Profile", async () => {
    let contentProfile: string | null = null
    const client = anonClient(stack, "library")
    const { data } = await client.from("shelves").select("id,label").order("id")
    expect(data).toEqual([
      { id: 1, label: "Top" },
      { id: 2, label: "Bottom" },
    ])
    const response = await fetch(`${stack.url}/rest/v1/shelves?select=id`, {
      headers: { apikey: stack.keys.anonKey, "accept-profile": "library" },
    })
    contentProfile = response.headers.get("content-profile")
    expect(contentProfile).toBe("library")
  })

  it("answers 406 PGRST106 for a schema that is not exposed", async () => {
    const { error, status } = await anonClient(stack, "private").from("shelves").select("id")
    expect(status).toBe(406)
    expect(error).toMatchObject({
      code: "PGRST106",
      message: "Invalid schema: private",
      hint: "Only the following schemas are exposed: public, library",
    })
  })

  it("does not find a table of another schema without its profile", async () => {
    const { error, status } = await anon.from("shelves").select("id")
    expect(status).toBe(404)
    expect(error).toMatchObject({
      code: "PGRST205",
      message: "Could not find the table 'public.shelves' in the schema cache",
    })
  })

  it("answers 404 PGRST205 with a suggestion for a misspelt table", async () => {
    const { error, status } = await anon.from("book").select("id")
    expect(status).toBe(404)
    expect(error).toMatchObject({
      code: "PGRST205",
      message: "Could not find the table 'public.book' in the schema cache",
      details: null,
      hint: "Perhaps you meant the table 'public.books'",
    })
  })

  it("answers 404 PGRST125 for a path that is not a resource", async () => {
    const response = await fetch(`${stack.url}/rest/v1/books/1`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({
      code: "PGRST125",
      message: "Invalid path specified in request URL",
    })
  })
})

describe(`REST reads: preferences (${TEST_ENGINE})`, () => {
  it("renders timestamps in the time zone of Prefer: timezone", async () => {
    const recorder = recordingClient(stack)
    await tokenClient(stack, stack.keys.serviceRoleKey).from("events").insert({ kind: "tz" })
    const { data: zoned } = await recorder.client
      .from("events")
      .select("created_at")
      .eq("kind", "tz")
      .setHeader("Prefer", "timezone=America/New_York")
    expect(zoned).toEqual([{ created_at: "2024-12-31T19:00:00-05:00" }])
    expect(recorder.header("preference-applied")).toBe("timezone=America/New_York")
  })

  it("ignores an unknown time zone, and refuses it with handling=strict", async () => {
    const lenient = await fetch(`${stack.url}/rest/v1/authors?select=id&id=eq.1`, {
      headers: { apikey: stack.keys.anonKey, prefer: "timezone=Mars/Olympus" },
    })
    expect(lenient.status).toBe(200)
    const strict = await fetch(`${stack.url}/rest/v1/authors?select=id&id=eq.1`, {
      headers: { apikey: stack.keys.anonKey, prefer: "handling=strict, timezone=Mars/Olympus" },
    })
    expect(strict.status).toBe(400)
    expect(await strict.json()).toMatchObject({
      code: "PGRST122",
      details: "Invalid preferences: timezone=Mars/Olympus",
    })
  })

  it("refuses unknown preferences with handling=strict", async () => {
    const response = await fetch(`${stack.url}/rest/v1/authors?select=id`, {
      headers: { apikey: stack.keys.anonKey, prefer: "handling=strict, return=everything" },
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      code: "PGRST122",
      message: "Invalid preferences given with handling=strict",
      details: "Invalid preferences: return=everything",
      hint: null,
    })
  })
})

describe(`REST reads: auth and roles (${TEST_ENGINE})`, () => {
  it("runs without a token as anon", async () => {
    const response = await fetch(`${stack.url}/rest/v1/rpc/whoami`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ role: "anon", statement_timeout: "3s" })
  })

  it("the anon key cannot list every table and function through the OpenAPI description", async () => {
    const asUser = `Bearer ${await userToken(stack, ALICE)}`
    for (const authorization of [undefined, asUser]) {
      const response = await fetch(`${stack.url}/rest/v1/`, {
        headers: { apikey: stack.keys.anonKey, ...(authorization ? { authorization } : {}) },
      })
      expect(response.status).toBe(401)
      const body = await response.json()
      expect(body.code).toBe("PGRST301")
      expect(JSON.stringify(body)).not.toContain("books")
    }
    const asService = await fetch(`${stack.url}/rest/v1/`, {
      headers: {
        apikey: stack.keys.serviceRoleKey,
        authorization: `Bearer ${stack.keys.serviceRoleKey}`,
      },
    })
    expect(asService.status).toBe(200)
    expect((await asService.json()).paths).toHaveProperty("/books")
  })

  it("sets role, claims and request settings as PostgREST does", async () => {
    const token = await userToken(stack, ALICE)
    const client = tokenClient(stack, token)
    const { data } = await client
      .rpc("whoami")
      .setHeader("x-custom", "yes")
      .setHeader("cookie", "flavour=mint")
    expect(data).toEqual({
      role: "authenticated",
      sub: ALICE,
      claim_role: "authenticated",
      method: "POST",
      path: "/rpc/whoami",
      x_custom: "yes",
      cookie: "mint",
      search_path: '"public", "extensions"',
      statement_timeout: "8s",
    })
  })

  it("shows a user only their own rows (RLS)", async () => {
    const alice = await userClient(stack, ALICE)
    const { data } = await alice.from("notes").select("body").order("id")
    expect(data).toEqual([{ body: "alice note 1" }, { body: "alice note 2" }])
    const bob = await userClient(stack, BOB)
    const { data: bobs } = await bob.from("notes").select("body")
    expect(bobs).toEqual([{ body: "bob note 1" }])
  })

  it("shows anon no RLS-protected rows", async () => {
    const { data, error } = await anon.from("notes").select("body")
    expect(error).toBeNull()
    expect(data).toEqual([])
  })

  it("cannot reach another user's row by filtering for it", async () => {
    const bob = await userClient(stack, BOB)
    const { data } = await bob.from("notes").select("body").eq("owner_id", ALICE)
    expect(data).toEqual([])
  })

  it("accepts HS256 tokens signed with the shared secret (device JWTs)", async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await stack.keys.signWithSecret({
      sub: ALICE,
      role: "authenticated",
      exp: now + 60,
    })
    const { data } = await tokenClient(stack, token).from("notes").select("body").order("id")
    expect(data).toHaveLength(2)
  })

  it("lets the service role bypass RLS", async () => {
    const { data } = await tokenClient(stack, stack.keys.serviceRoleKey)
      .from("notes")
      .select("body")
    expect(data).toHaveLength(3)
  })

  it("answers 401 PGRST303 with WWW-Authenticate for an expired token", async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await stack.keys.signAccessToken({
      sub: ALICE,
      role: "authenticated",
      exp: now - 120,
    })
    const response = await fetch(`${stack.url}/rest/v1/notes`, {
      headers: { apikey: stack.keys.anonKey, authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer error="invalid_token", error_description="JWT expired"'
    )
    expect(await response.json()).toEqual({
      code: "PGRST303",
      details: null,
      hint: null,
      message: "JWT expired",
    })
  })

  it("answers 401 PGRST301 for a bad signature", async () => {
    const token = await userToken(stack, ALICE)
    const [header, payload] = token.split(".")
    const forged = `${header}.${payload}.${Buffer.from("not the signature").toString("base64url")}`
    const { error, status } = await tokenClient(stack, forged).from("notes").select("body")
    expect(status).toBe(401)
    expect(error).toMatchObject({
      code: "PGRST301",
      message: "No suitable key or wrong key type",
      details: "None of the keys was able to decode the JWT",
    })
  })

  it("answers 401 PGRST301 for a token that is not a JWT", async () => {
    const response = await fetch(`${stack.url}/rest/v1/notes`, {
      headers: { apikey: stack.keys.anonKey, authorization: "Bearer abc" },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer error="invalid_token", error_description="Expected 3 parts in JWT; got 1"'
    )
    expect((await response.json()).code).toBe("PGRST301")
  })

  it("answers 401 for an empty bearer token", async () => {
    const response = await fetch(`${stack.url}/rest/v1/notes`, {
      headers: { apikey: stack.keys.anonKey, authorization: "Bearer " },
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({
      code: "PGRST301",
      message: "Empty JWT is sent in Authorization header",
    })
  })

  it("answers 401 for a role that does not exist", async () => {
    const token = await userToken(stack, ALICE, { role: "ghost" })
    const response = await fetch(`${stack.url}/rest/v1/notes`, {
      headers: { apikey: stack.keys.anonKey, authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({
      code: "22023",
      message: 'role "ghost" does not exist',
    })
  })

  it("refuses a role the API may not switch to, like the superuser", async () => {
    const token = await userToken(stack, ALICE, { role: "postgres" })
    const response = await fetch(`${stack.url}/rest/v1/notes`, {
      headers: { apikey: stack.keys.anonKey, authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({
      code: "42501",
      message: 'permission denied to set role "postgres"',
    })
  })

  it("answers 401 42501 to anon for a table without grants", async () => {
    const recorder = recordingClient(stack)
    const { error, status } = await recorder.client.from("staff_only").select("*")
    expect(status).toBe(401)
    expect(error).toMatchObject({
      code: "42501",
      message: "permission denied for table staff_only",
    })
    expect(recorder.header("www-authenticate")).toBe("Bearer")
  })

  it("answers 403 42501 to a signed-in user for a table without grants", async () => {
    const alice = await userClient(stack, ALICE)
    const { error, status } = await alice.from("staff_only").select("*")
    expect(status).toBe(403)
    expect(error?.code).toBe("42501")
  })
})

describe(`REST reads: schema cache (${TEST_ENGINE})`, () => {
  it("picks up a new column after NOTIFY pgrst, 'reload schema'", async () => {
    await stack.db.exec(
      "alter table public.genres add column slug text; update public.genres set slug = 'f' where id = 1;"
    )
    await stack.db.exec("notify pgrst, 'reload schema'")
    let row: unknown
    for (let attempt = 0; attempt < 50; attempt++) {
      const { data } = await anon.from("genres").select("*").eq("id", 1).single()
      row = data
      if (row && typeof row === "object" && "slug" in row) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(row).toEqual({ id: 1, name: "Fantasy", slug: "f" })
  })

  it("sees a new table after NOTIFY pgrst, 'reload schema'", async () => {
    await stack.db.exec(
      "create table public.late_arrival (id int primary key); insert into public.late_arrival values (7);"
    )
    await stack.db.exec("notify pgrst, 'reload schema'")
    let result: { data: unknown; status: number } = { data: null, status: 0 }
    for (let attempt = 0; attempt < 50; attempt++) {
      result = await anon.from("late_arrival").select("id")
      if (result.status === 200) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(result.status).toBe(200)
    expect(result.data).toEqual([{ id: 7 }])
  })
})
