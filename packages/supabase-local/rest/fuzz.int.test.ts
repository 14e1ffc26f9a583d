import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { startConformanceStack } from "../testing/rest-conformance"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// Malformed input must never reach a 500 or take the server down: every bad query string,
// body or header answers a 4xx in PostgREST's error shape. Seeded, so failures reproduce.
let stack: TestStack

beforeAll(async () => {
  stack = await startConformanceStack()
})
afterAll(async () => {
  await stack?.stop()
})

const TOKENS = [
  "select",
  "=",
  "&",
  "(",
  ")",
  ",",
  ".",
  "!",
  ":",
  "::",
  "->",
  "->>",
  '"',
  "\\",
  "*",
  "...",
  "eq",
  "neq",
  "in",
  "is",
  "not",
  "or",
  "and",
  "like",
  "fts",
  "cs",
  "(any)",
  "(all)",
  "(english)",
  "order",
  "asc",
  "desc",
  "nullsfirst",
  "limit",
  "offset",
  "columns",
  "on_conflict",
  "id",
  "title",
  "authors",
  "books",
  "genres",
  "meta",
  "tags",
  "inner",
  "count()",
  "sum()",
  "{",
  "}",
  "[",
  "]",
  "%",
  "%25",
  "%2C",
  "%28",
  "null",
  "true",
  "-1",
  "0",
  "999999999999999999999",
  " ",
  "'",
  ";",
  "--",
  "é",
  "\u{1F4A9}",
  "text",
  "int",
  "1",
  "a",
]
const tokenString = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 24 })
  .map((parts) => parts.join(""))
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
})
const jsonish = fc.oneof(
  tokenString,
  printable,
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .array(
      fc.dictionary(fc.constantFrom("key", "value", "label", "nope", "id", ""), fc.jsonValue()),
      { maxLength: 4 }
    )
    .map((rows) => JSON.stringify(rows))
)
const paths = fc.constantFrom(
  "/books",
  "/authors",
  "/counters",
  "/notes",
  "/rpc/add",
  "/rpc/books_by",
  "/rpc/echo",
  "/rpc/nope",
  "/",
  "/books/1",
  "/%zz",
  "/rpc",
  "/rpc/hello"
)
const headerValue = fc
  .oneof(tokenString, printable)
  .map((value) => value.replace(/[^\x20-\x7e]/g, "?"))

async function expectNo500(response: Response, label: string) {
  const text = await response.text()
  if (response.status >= 500) throw new Error(`${label} → ${response.status} ${text}`)
  if (response.status >= 400 && text) {
    const body = JSON.parse(text) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(["code", "details", "hint", "message"])
  }
}

describe(`REST fuzzing (${TEST_ENGINE})`, () => {
  it("answers malformed query strings without a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        paths,
        fc.array(fc.tuple(tokenString, tokenString), { maxLength: 4 }),
        async (path, pairs) => {
          const query = pairs.map(([k, v]) => `${k}=${v}`).join("&")
          const response = await fetch(`${stack.url}/rest/v1${path}?${query}`, {
            headers: { apikey: stack.keys.anonKey },
          })
          await expectNo500(response, `GET ${path}?${query}`)
        }
      ),
      { numRuns: 1500, seed: 20250101 }
    )
  })

  it("answers malformed bodies without a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        paths,
        fc.constantFrom("POST", "PATCH", "DELETE", "PUT"),
        jsonish,
        fc.constantFrom(
          "application/json",
          "text/csv",
          "application/x-www-form-urlencoded",
          "text/plain"
        ),
        async (path, method, body, contentType) => {
          const response = await fetch(`${stack.url}/rest/v1${path}?key=eq.zz`, {
            method,
            headers: {
              apikey: stack.keys.anonKey,
              "content-type": contentType,
              prefer: "tx=rollback",
            },
            body,
          })
          await expectNo500(response, `${method} ${path} ${contentType} ${body}`)
        }
      ),
      { numRuns: 1000, seed: 20250102 }
    )
  })

  it("answers malformed headers without a 500", async () => {
    const names = fc.constantFrom(
      "prefer",
      "accept",
      "range",
      "accept-profile",
      "content-profile",
      "authorization",
      "cookie",
      "range-unit"
    )
    await fc.assert(
      fc.asyncProperty(
        paths,
        fc.array(fc.tuple(names, headerValue), { maxLength: 3 }),
        async (path, headers) => {
          const init: Record<string, string> = { apikey: stack.keys.anonKey }
          for (const [name, value] of headers) init[name] = value
          const response = await fetch(`${stack.url}/rest/v1${path}`, { headers: init })
          await expectNo500(response, `GET ${path} ${JSON.stringify(init)}`)
        }
      ),
      { numRuns: 800, seed: 20250103 }
    )
  })

  // The fixed corpus: inputs found by the security review that once answered 500.
  it.each([
    ["an array body nested 20,000 levels deep", "[".repeat(20_000) + "]".repeat(20_000)],
    ["an object body nested 20,000 levels deep", '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000)],
    [
      "a row whose value nests 20,000 levels",
      `{"title":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
    ],
  ])("answers %s with PGRST102", async (_label, body) => {
    for (const path of ["/books", "/rpc/echo"]) {
      const response = await fetch(`${stack.url}/rest/v1${path}`, {
        method: "POST",
        headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
        body,
      })
      expect(response.status, path).toBe(400)
      expect(await response.json()).toMatchObject({
        code: "PGRST102",
        message: "Empty or invalid json",
      })
    }
  })

  it("answers select= with 2,001 columns with PGRST100, on reads and on writes' returns", async () => {
    const select = Array.from({ length: 2001 }, () => "id").join(",")
    const read = await fetch(`${stack.url}/rest/v1/books?select=${select}`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(read.status).toBe(400)
    expect((await read.json()).code).toBe("PGRST100")
    const nested = await fetch(
      `${stack.url}/rest/v1/authors?select=id,books(${select.slice(0, 2 * 1700)})`,
      { headers: { apikey: stack.keys.anonKey } }
    )
    expect(nested.status).toBe(400)
    const write = await fetch(`${stack.url}/rest/v1/books?select=${select}`, {
      method: "PATCH",
      headers: {
        apikey: stack.keys.anonKey,
        "content-type": "application/json",
        prefer: "return=representation",
      },
      body: JSON.stringify({ title: "x" }),
    })
    expect(write.status).toBe(400)
    expect((await write.json()).code).toBe("PGRST100")
  })

  it("is still up and answering correctly afterwards", async () => {
    const response = await fetch(`${stack.url}/rest/v1/authors?select=id&id=eq.1`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([{ id: 1 }])
  })
})
