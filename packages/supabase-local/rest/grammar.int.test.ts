import path from "node:path"

import { type PostgrestSingleResponse } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { restService } from "."
import { anonClient, tokenClient } from "../testing/rest-conformance"
import { startTestStack, TEST_ENGINE, type TestStack } from "../testing/test-stack"

// The rest of PostgREST's grammar through supabase-js, over a fixture schema of its own:
// function overloading, RPC counts, embedding hints, computed relationships, aggregates,
// spreads, embedded filters, write defaults and output formats. Each test names the behaviour
// PostgREST has and asserts what PostgREST answers.
let stack: TestStack
let anon: ReturnType<typeof anonClient>
let service: ReturnType<typeof tokenClient>

beforeAll(async () => {
  stack = await startTestStack({
    migrationsDir: path.join(import.meta.dirname, "grammar-fixture/migrations"),
    seedFiles: [path.join(import.meta.dirname, "grammar-fixture/seed.sql")],
    services: [restService],
  })
  anon = anonClient(stack)
  service = tokenClient(stack, stack.keys.serviceRoleKey)
})
afterAll(async () => {
  await stack?.stop()
})

async function rest(route: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers)
  if (!headers.has("apikey")) headers.set("apikey", stack.keys.anonKey)
  return fetch(`${stack.url}/rest/v1${route}`, { ...init, headers })
}

const ids = (data: unknown) => (data as { id: number }[] | null)?.map((row) => row.id)

/** The untyped client assumes PostgREST 12, where maxAffected() is hidden; the local API speaks 13. */
function maxAffected(query: unknown, rows: number) {
  type Limited = { maxAffected(rows: number): PromiseLike<PostgrestSingleResponse<unknown>> }
  return (query as Limited).maxAffected(rows)
}

describe(`REST grammar: function overloading (${TEST_ENGINE})`, () => {
  it("chooses the overload whose parameters match the named arguments sent", async () => {
    expect((await anon.rpc("pick")).data).toBe("none")
    expect((await anon.rpc("pick", { a: 1 })).data).toBe("a=1")
    expect((await anon.rpc("pick", { a: 1, b: 2 })).data).toBe("a+b=3")
    expect((await anon.rpc("pick", { label: "x" })).data).toBe("label=x")
  })

  it("chooses overloads by query-string arguments on GET", async () => {
    expect((await anon.rpc("pick", { a: 4, b: 5 }, { get: true })).data).toBe("a+b=9")
    expect((await anon.rpc("pick", { label: "y" }, { get: true })).data).toBe("label=y")
  })

  it("fills arguments left out from their defaults", async () => {
    expect((await anon.rpc("defaults_only")).data).toBe(12)
    expect((await anon.rpc("defaults_only", { b: 7 })).data).toBe(17)
    expect((await anon.rpc("pad", { a: 1, b: 2 })).data).toBe("int 3")
    expect((await anon.rpc("pad", { a: 1, c: "z" })).data).toBe("text 1z")
  })

  it("answers 300 PGRST203 only when PostgREST itself cannot choose", async () => {
    const { error, status } = await anon.rpc("pad", { a: 1 })
    expect(status).toBe(300)
    expect(error).toMatchObject({
      code: "PGRST203",
      hint: "Try renaming the parameters or the function itself in the database so function overloading can be resolved",
    })
    expect(error?.message).toContain("public.pad(a => integer, b => integer)")
    expect(error?.message).toContain("public.pad(a => integer, c => text)")
  })

  it("answers 404 PGRST202 when no overload takes the arguments sent", async () => {
    const { error, status } = await anon.rpc("pick", { a: 1, z: 2 })
    expect(status).toBe(404)
    expect(error).toMatchObject({
      code: "PGRST202",
      message: "Could not find the function public.pick(a, z) in the schema cache",
    })
  })

  it("passes the JSON body to Postgres as it came: arguments past 2^53 keep every digit", async () => {
    // PostgREST parses the body only to learn its keys and sends the raw bytes (Payload.hs).
    const response = await rest("/rpc/exact", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"n": 123456789012345678901234.50, "big": 9007199254740993}',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toBe("123456789012345678901234.50 9007199254740993")
  })

  it("with columns= takes the arguments' names from it and leaves the body to Postgres", async () => {
    const call = (body: string) =>
      rest("/rpc/pick?columns=a", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      })
    // Keys outside columns= are ignored, as PostgREST ignores them; the overload is pick(a).
    let response = await call('{"a": 1, "z": 2}')
    expect(response.status).toBe(200)
    expect(await response.json()).toBe("a=1")
    // An array body calls with its first object (PostgREST's json_to_recordset … limit 1).
    response = await call('[{"a": 3}, {"a": 4}]')
    expect(await response.json()).toBe("a=3")
    // The body is not parsed here: malformed JSON is Postgres's own error, as under PostgREST.
    response = await call('{"a": 1')
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: "22P02" })
  })

  it("with columns= leaves an empty or scalar body to Postgres too: 22P02, 22023", async () => {
    // PostgREST reads a body with columns= as RawJSON before it would take an empty body as no
    // arguments (Payload.hs), and sends a non-object to json_to_recordset (SqlFragment.hs).
    for (const [body, code, message] of [
      ["", "22P02", "invalid input syntax for type json"],
      ["5", "22023", "cannot call json_to_recordset on a scalar"],
      ["[1]", "22023", "argument of json_to_recordset must be an array of objects"],
    ] as const) {
      const response = await rest("/rpc/pick?columns=a", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ code, message })
    }
  })

  it("passes the whole JSON body to a single unnamed json parameter", async () => {
    const { data } = await anon.rpc("body_json", { any: ["shape", 1] })
    expect(data).toEqual({ any: ["shape", 1] })
  })

  it("prefers a named overload and falls back to the unnamed jsonb one", async () => {
    expect((await anon.rpc("body_or_named", { name: "n" })).data).toBe("named n")
    expect((await anon.rpc("body_or_named", { x: "y" })).data).toBe("body y")
  })

  it("passes a text/plain body to a single unnamed text parameter", async () => {
    const response = await rest("/rpc/body_text", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "shout",
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toBe("SHOUT")
  })

  it("passes a text/xml body to a single unnamed xml parameter", async () => {
    const response = await rest("/rpc/body_xml", {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: "<a>1</a>",
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toBe("<a>1</a>")
  })

  it("passes an application/octet-stream body to a single unnamed bytea parameter", async () => {
    const response = await rest("/rpc/body_bytea", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array([0, 1, 2, 255]),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toBe(4)
  })

  it("answers PGRST202 without a hint for a text body no function takes", async () => {
    const response = await rest("/rpc/pick", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({
      code: "PGRST202",
      message: "Could not find the function public.pick in the schema cache",
      details:
        "Searched for the function public.pick with a single unnamed text parameter, but no matches were found in the schema cache.",
      hint: null,
    })
  })
})

describe(`REST grammar: RPC counts and limits (${TEST_ENGINE})`, () => {
  it("counts the rows of a set-returning function with count=exact (POST)", async () => {
    const { data, count, status } = await anon
      .rpc("user_list", { min_age: 30 }, { count: "exact" })
      .select("id")
      .order("id")
      .limit(1)
    expect(status).toBe(206)
    expect(data).toEqual([{ id: 1 }])
    expect(count).toBe(2)
  })

  it("counts the rows of a set-returning function with count=exact (GET)", async () => {
    const { count } = await anon.rpc("user_list", {}, { get: true, count: "exact" })
    expect(count).toBe(4)
  })

  it("counts a function returning setof a scalar", async () => {
    const { data, count } = await anon.rpc("numbers", { n: 5 }, { count: "exact" })
    expect(data).toEqual([1, 2, 3, 4, 5])
    expect(count).toBe(5)
  })

  it("gives planned and estimated counts for a function", async () => {
    const planned = await anon.rpc("user_list", {}, { count: "planned" })
    expect(planned.count).toEqual(expect.any(Number))
    const withArguments = await anon
      .rpc("user_list", { min_age: 30 }, { count: "planned" })
      .gt("id", 1)
    expect(withArguments.error).toBeNull()
    expect(withArguments.data).toEqual([expect.objectContaining({ id: 3 })])
    expect(withArguments.count).toEqual(expect.any(Number))
    const volatile = await service.rpc("delete_orders", { of_status: "none" }, { count: "planned" })
    expect(volatile.error).toBeNull()
    expect(volatile.count).toEqual(expect.any(Number))
    const estimated = await anon.rpc("user_list", {}, { count: "estimated" })
    expect(estimated.count).toBe(4)
  })

  it("answers HEAD on a set-returning function with the count and no body", async () => {
    const { data, count, status } = await anon.rpc(
      "user_list",
      { min_age: 30 },
      { head: true, count: "exact" }
    )
    expect(status).toBe(200)
    expect(data).toBeNull()
    expect(count).toBe(2)
    const response = await rest("/rpc/numbers?n=3", {
      method: "HEAD",
      headers: { prefer: "count=exact" },
    })
    expect(response.headers.get("content-range")).toBe("0-2/3")
  })

  it("counts a volatile set-returning function's rows from one call", async () => {
    const { data, count, error } = await service
      .rpc("delete_orders", { of_status: "open" }, { count: "exact" })
      .select("id")
      .order("id")
    expect(error).toBeNull()
    expect(data).toEqual([{ id: 2 }, { id: 5 }])
    expect(count).toBe(2)
    await service.from("orders").insert([
      { id: 2, user_id: 1, amount: 4.25, status: "open" },
      { id: 5, user_id: 3, amount: 1, status: "open", shipped_at: "2025-03-01" },
    ])
  })

  it("rolls back an RPC that affects more rows than Prefer: max-affected allows", async () => {
    const { error, status } = await maxAffected(
      service.rpc("delete_orders", { of_status: "paid" }),
      2
    )
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST124",
      message: "Query result exceeds max-affected preference constraint",
      details: "The query affects 3 rows",
    })
    const { count } = await service
      .from("orders")
      .select("*", { count: "exact", head: true })
      .eq("status", "paid")
    expect(count).toBe(3)
  })

  it("answers PGRST128 for max-affected on a function that returns one row", async () => {
    const { error, status } = await maxAffected(anon.rpc("one_user", { uid: 1 }), 1)
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST128",
      message:
        "Function must return SETOF or TABLE when max-affected preference is used with handling=strict",
    })
  })

  it("runs an RPC within Prefer: max-affected", async () => {
    const { data, error } = await maxAffected(
      service.rpc("delete_orders", { of_status: "open" }).select("id").order("id"),
      2
    )
    expect(error).toBeNull()
    expect(data).toEqual([{ id: 2 }, { id: 5 }])
    await service.from("orders").insert([
      { id: 2, user_id: 1, amount: 4.25, status: "open" },
      { id: 5, user_id: 3, amount: 1, status: "open", shipped_at: "2025-03-01" },
    ])
  })
})

describe(`REST grammar: embedding hints (${TEST_ENGINE})`, () => {
  it("embeds by foreign-key constraint name as the hint", async () => {
    const { data, error } = await anon
      .from("best_friends")
      .select("id,users!best_friends_first_user_fkey(username)")
      .eq("id", 1)
    expect(error).toBeNull()
    expect(data).toEqual([{ id: 1, users: { username: "ada" } }])
  })

  it("embeds by column name as the hint", async () => {
    const { data } = await anon
      .from("best_friends")
      .select("id,users!second_user(username)")
      .eq("id", 1)
    expect(data).toEqual([{ id: 1, users: { username: "bob" } }])
  })

  it("embeds the same table twice under different hints", async () => {
    const { data } = await anon
      .from("best_friends")
      .select(
        "id,first:users!best_friends_first_user_fkey(username),second:users!second_user(username)"
      )
      .order("id")
    expect(data).toEqual([
      { id: 1, first: { username: "ada" }, second: { username: "bob" } },
      { id: 2, first: { username: "cyd" }, second: { username: "ada" } },
    ])
  })

  it("embeds the referencing side twice from the referenced table under different hints", async () => {
    const { data } = await anon
      .from("users")
      .select(
        "username,firsts:best_friends!first_user(id),seconds:best_friends!best_friends_second_user_fkey(id)"
      )
      .eq("id", 1)
    expect(data).toEqual([{ username: "ada", firsts: [{ id: 1 }], seconds: [{ id: 2 }] }])
  })

  it("answers 300 PGRST201 for the same table without a hint", async () => {
    const { error, status } = await anon.from("best_friends").select("id,users(username)")
    expect(status).toBe(300)
    expect(error?.code).toBe("PGRST201")
    expect(error?.hint).toBe(
      "Try changing 'users' to one of the following: 'users!best_friends_first_user_fkey', 'users!best_friends_second_user_fkey'. Find the desired relationship in the 'details' key."
    )
  })

  it("embeds a self-reference many-to-one through its column", async () => {
    const { data } = await anon
      .from("users")
      .select("username,mentor:mentor_id(username)")
      .eq("id", 2)
    expect(data).toEqual([{ username: "bob", mentor: { username: "ada" } }])
  })

  it("embeds a self-reference one-to-many by the table name", async () => {
    const { data } = await anon
      .from("users")
      .select("username,users(username)")
      .eq("id", 1)
      .order("id", { referencedTable: "users" })
    expect(data).toEqual([{ username: "ada", users: [{ username: "bob" }, { username: "cyd" }] }])
  })

  it("embeds a self-reference one-to-many with the column as the hint", async () => {
    const { data } = await anon
      .from("users")
      .select("username,mentees:users!mentor_id(username)")
      .eq("id", 3)
    expect(data).toEqual([{ username: "cyd", mentees: [{ username: "dee" }] }])
  })

  it("embeds one-to-many through a partitioned table", async () => {
    const { data, error } = await anon
      .from("users")
      .select("username,visits(id,day)")
      .eq("id", 1)
      .order("id", { referencedTable: "visits" })
    expect(error).toBeNull()
    expect(data).toEqual([
      {
        username: "ada",
        visits: [
          { id: 1, day: "2024-05-01" },
          { id: 2, day: "2025-05-01" },
        ],
      },
    ])
  })

  it("embeds many-to-one from a partitioned table", async () => {
    const { data } = await anon.from("visits").select("id,users(username)").eq("id", 3)
    expect(data).toEqual([{ id: 3, users: { username: "bob" } }])
  })

  it("embeds from a view through its renamed source columns", async () => {
    const { data, error } = await anon
      .from("members")
      .select("handle,orders(id)")
      .eq("member_id", 2)
    expect(error).toBeNull()
    expect(data).toEqual([{ handle: "bob", orders: [{ id: 3 }] }])
  })

  it("embeds a view with renamed columns from a table", async () => {
    const { data, error } = await anon.from("orders").select("id,members(handle)").eq("id", 4)
    expect(error).toBeNull()
    expect(data).toEqual([{ id: 4, members: { handle: "cyd" } }])
  })
})

describe(`REST grammar: computed relationships and fields (${TEST_ENGINE})`, () => {
  it("embeds a function returning setof a table as a to-many computed relationship", async () => {
    const { data, error } = await anon
      .from("users")
      .select("username,orders_of(id,amount)")
      .eq("id", 1)
      .order("id", { referencedTable: "orders_of" })
    expect(error).toBeNull()
    expect(data).toEqual([
      {
        username: "ada",
        orders_of: [
          { id: 1, amount: 10.5 },
          { id: 2, amount: 4.25 },
        ],
      },
    ])
  })

  it("embeds a function estimated at one row as a to-one computed relationship", async () => {
    const { data } = await anon
      .from("users")
      .select("username,mentor_of(username)")
      .in("id", [1, 2])
      .order("id")
    expect(data).toEqual([
      { username: "ada", mentor_of: null },
      { username: "bob", mentor_of: { username: "ada" } },
    ])
  })

  it("filters, orders and limits inside a computed relationship, with sub-embeds", async () => {
    const { data, error } = await anon
      .from("users")
      .select("username,paid:orders_of(id,users(username))")
      .eq("id", 1)
      .eq("paid.status", "paid")
      .order("id", { referencedTable: "paid", ascending: false })
      .limit(1, { referencedTable: "paid" })
    expect(error).toBeNull()
    expect(data).toEqual([{ username: "ada", paid: [{ id: 1, users: { username: "ada" } }] }])
  })

  it("filters parents by a computed relationship with !inner", async () => {
    const { data } = await anon
      .from("users")
      .select("id,orders_of!inner(id)")
      .eq("orders_of.status", "open")
      .order("id")
    expect(ids(data)).toEqual([1, 3])
  })

  it("selects, filters and orders by a computed field", async () => {
    const { data, error } = await anon
      .from("users")
      .select("id,display_name")
      .like("display_name", "*core*")
      .order("display_name", { ascending: false })
    expect(error).toBeNull()
    expect(data).toEqual([
      { id: 2, display_name: "bob (core)" },
      { id: 1, display_name: "ada (core)" },
    ])
  })

  it("selects a computed field inside an embed and on a function's rows", async () => {
    const { data } = await anon.from("orders").select("id,users(display_name)").eq("id", 5)
    expect(data).toEqual([{ id: 5, users: { display_name: "cyd (web)" } }])
    const { data: listed } = await anon
      .rpc("user_list", { min_age: 40 })
      .select("alias:display_name")
    expect(listed).toEqual([{ alias: "cyd (web)" }])
  })
})

describe(`REST grammar: aggregates (${TEST_ENGINE})`, () => {
  it("aggregates with count(), sum(), avg(), min() and max()", async () => {
    const { data, error } = await anon
      .from("orders")
      .select("amount.sum(),amount.avg(),amount.min(),amount.max(),count()")
    expect(error).toBeNull()
    expect(data).toEqual([{ sum: 43.5, avg: 8.7, min: 1, max: 20, count: 5 }])
  })

  it("groups by the other selected columns", async () => {
    const { data } = await anon.from("orders").select("status,amount.sum(),count()").order("status")
    expect(data).toEqual([
      { status: "open", sum: 5.25, count: 2 },
      { status: "paid", sum: 38.25, count: 3 },
    ])
  })

  it("renames aggregates with aliases and casts their input and output", async () => {
    const { data } = await anon
      .from("orders")
      .select("total:amount.sum()::int,amount::int.max(),orders:count()::text")
    expect(data).toEqual([{ total: 44, max: 20, orders: "5" }])
  })

  it("aggregates inside an embedded resource", async () => {
    const { data, error } = await anon
      .from("users")
      .select("username,orders(amount.sum(),count())")
      .eq("id", 1)
    expect(error).toBeNull()
    expect(data).toEqual([{ username: "ada", orders: [{ sum: 14.75, count: 2 }] }])
  })

  it("groups an aggregate by a spread to-one embed's columns", async () => {
    const { data, error } = await anon.from("orders").select("amount.sum(),...users(team)")
    expect(error).toBeNull()
    expect(data).toEqual(
      expect.arrayContaining([
        { sum: 34.75, team: "core" },
        { sum: 8.75, team: "web" },
      ])
    )
  })

  // PostgREST hoists a to-one spread's aggregates into the parent: they aggregate the joined
  // rows, grouped by the parent's other columns (AggregateFunctionsSpec.hs, "to-one spread
  // relationships").
  const byKeys = (data: unknown) =>
    [...((data as Record<string, unknown>[] | null) ?? [])].sort((a, b) =>
      JSON.stringify(a).localeCompare(JSON.stringify(b))
    )

  it("aggregates a to-one spread's columns over the parent's rows", async () => {
    const { data, error } = await anon.from("orders").select("status,...users(team,age.sum())")
    expect(error).toBeNull()
    expect(byKeys(data)).toEqual(
      byKeys([
        { status: "paid", team: "core", sum: 64 },
        { status: "open", team: "core", sum: 36 },
        { status: "paid", team: "web", sum: 41 },
        { status: "open", team: "web", sum: 41 },
      ])
    )
  })

  it("aggregates a to-one spread when it selects only aggregates, with aliases and casts", async () => {
    const { data } = await anon.from("orders").select("...users(total_age:age.sum()::text)")
    expect(data).toEqual([{ total_age: "182" }])
    const counted = await anon.from("orders").select("...users(team,orders:count())")
    expect(byKeys(counted.data)).toEqual(
      byKeys([
        { team: "core", orders: 3 },
        { team: "web", orders: 2 },
      ])
    )
  })

  it("aggregates through nested to-one spreads", async () => {
    const { data, error } = await anon
      .from("orders")
      .select("status,...users(...mentor:mentor_id(age.sum()))")
    expect(error).toBeNull()
    expect(byKeys(data)).toEqual(
      byKeys([
        { status: "paid", sum: 72 },
        { status: "open", sum: 36 },
      ])
    )
  })

  it("answers 400 PGRST127 for aggregates in a to-many spread", async () => {
    for (const select of [
      "username,...orders(status,amount.sum())",
      "username,...orders(count())",
    ]) {
      const { error, status } = await anon.from("users").select(select)
      expect(status).toBe(400)
      expect(error).toEqual({
        code: "PGRST127",
        message: "Feature not implemented",
        details: "Aggregates are not implemented for one-to-many or many-to-many spreads.",
        hint: null,
      })
    }
  })

  it("answers 400 42703 for an aggregate on a missing column", async () => {
    const { error, status } = await anon.from("orders").select("nope.sum()")
    expect(status).toBe(400)
    expect(error).toMatchObject({ code: "42703", message: "column orders.nope does not exist" })
  })
})

describe(`REST grammar: spreads (${TEST_ENGINE})`, () => {
  it("spreads a to-one embed's columns into the parent", async () => {
    const { data } = await anon.from("orders").select("id,...users(username,team)").eq("id", 3)
    expect(data).toEqual([{ id: 3, username: "bob", team: "core" }])
  })

  it("spreads a to-many embed's columns as arrays, as PostgREST 13 does", async () => {
    const { data } = await anon
      .from("users")
      .select("username,...orders(id,status)")
      .eq("id", 3)
      .order("id", { referencedTable: "orders" })
    expect(data).toEqual([{ username: "cyd", id: [4, 5], status: ["paid", "open"] }])
  })
})

describe(`REST grammar: embedded filters and transforms (${TEST_ENGINE})`, () => {
  it("applies or= to an embedded resource only", async () => {
    const { data, error } = await anon
      .from("users")
      .select("id,orders(id)")
      .or("status.eq.open,amount.gt.15", { referencedTable: "orders" })
      .in("id", [1, 2])
      .order("id")
      .order("id", { referencedTable: "orders" })
    expect(error).toBeNull()
    expect(data).toEqual([
      { id: 1, orders: [{ id: 2 }] },
      { id: 2, orders: [{ id: 3 }] },
    ])
  })

  it("applies and= with a nested or to an embedded resource", async () => {
    const response = await rest(
      "/users?select=id,orders(id)&id=eq.3&orders.and=(amount.gte.1,or(status.eq.paid,shipped_at.not.is.null))&orders.order=id"
    )
    expect(await response.json()).toEqual([{ id: 3, orders: [{ id: 4 }, { id: 5 }] }])
  })

  it("orders an embed by several columns with nulls first and last", async () => {
    const { data } = await anon
      .from("users")
      .select("id,orders(id)")
      .eq("id", 1)
      .order("shipped_at", { referencedTable: "orders", ascending: true, nullsFirst: true })
      .order("id", { referencedTable: "orders" })
    expect(data).toEqual([{ id: 1, orders: [{ id: 2 }, { id: 1 }] }])
    const { data: last } = await anon
      .from("users")
      .select("id,orders(id)")
      .eq("id", 3)
      .order("shipped_at", { referencedTable: "orders", ascending: false, nullsFirst: false })
      .order("amount", { referencedTable: "orders" })
    expect(last).toEqual([{ id: 3, orders: [{ id: 5 }, { id: 4 }] }])
  })

  it("limits and offsets each embedded resource on its own", async () => {
    const { data } = await anon
      .from("users")
      .select("id,orders(id)")
      .in("id", [1, 3])
      .order("id")
      .order("id", { referencedTable: "orders" })
      .range(1, 1, { referencedTable: "orders" })
    expect(data).toEqual([
      { id: 1, orders: [{ id: 2 }] },
      { id: 3, orders: [{ id: 5 }] },
    ])
    const { data: limited } = await anon
      .from("users")
      .select("id,orders(id)")
      .eq("id", 1)
      .limit(1, { foreignTable: "orders" })
      .order("id", { foreignTable: "orders", ascending: false })
    expect(limited).toEqual([{ id: 1, orders: [{ id: 2 }] }])
  })
})

describe(`REST grammar: write defaults (${TEST_ENGINE})`, () => {
  it("fills missing columns of a bulk insert from their defaults, identity and serial included", async () => {
    const { data, error, status } = await service
      .from("tickets")
      .insert([{ title: "first" }, { id: 500, title: "second", priority: 1 }], {
        defaultToNull: false,
      })
      .select("id,code,seq,title,priority,note")
      .order("seq")
    expect(error).toBeNull()
    expect(status).toBe(201)
    const [first, second] = data as Record<string, unknown>[]
    expect(first).toMatchObject({ title: "first", priority: 3, note: null })
    expect(first!.id).toEqual(expect.any(Number))
    expect(first!.code).toEqual(expect.any(Number))
    expect(second).toMatchObject({ id: 500, title: "second", priority: 1, note: null })
    expect(second!.seq).toBe((first!.seq as number) + 1)
  })

  it("fills missing columns of a bulk upsert from their defaults and updates only the columns sent", async () => {
    const { data, error } = await service
      .from("tickets")
      .upsert([{ id: 500, title: "second again" }, { title: "third" }], { defaultToNull: false })
      .select("id,title,priority")
      .order("id")
    expect(error).toBeNull()
    expect(data).toEqual(
      expect.arrayContaining([
        // priority is in no object, so not in columns=: the existing row keeps its own.
        { id: 500, title: "second again", priority: 1 },
        { id: expect.any(Number), title: "third", priority: 3 },
      ])
    )
  })

  it("inserts nulls for missing columns without missing=default", async () => {
    const { error, status } = await service
      .from("tickets")
      .insert([{ title: "x", priority: 1 }, { title: "y" }])
    expect(status).toBe(400)
    expect(error?.code).toBe("23502")
  })

  it("takes only the columns= columns and ignores the body's other keys", async () => {
    const response = await rest("/tickets?columns=title,note&select=title,note,priority", {
      method: "POST",
      headers: {
        apikey: stack.keys.serviceRoleKey,
        authorization: `Bearer ${stack.keys.serviceRoleKey}`,
        prefer: "return=representation",
        "content-type": "application/json",
      },
      body: JSON.stringify([
        { title: "cols", note: "n", bogus: 1, priority: 9 },
        { title: "cols 2" },
      ]),
    })
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual([
      { title: "cols", note: "n", priority: 3 },
      { title: "cols 2", note: null, priority: 3 },
    ])
  })
})

describe(`REST grammar: output formats (${TEST_ENGINE})`, () => {
  it("answers CSV with embeds and every kind of value", async () => {
    const { data, error } = await anon
      .from("users")
      .select("id,username,team,age,mentor:mentor_id(username),orders(id)")
      .in("id", [2, 4])
      .order("id")
      .csv()
    expect(error).toBeNull()
    expect(data).toBe(
      [
        "id,username,team,age,mentor,orders",
        '2,bob,core,28,"{""username"":""ada""}","[{""id"":3}]"',
        '4,dee,,,"{""username"":""cyd""}",[]',
      ].join("\n")
    )
  })

  it("answers CSV of quotes, commas, line breaks, dates and numbers", async () => {
    const { data } = await anon
      .from("orders")
      .select("id,amount,shipped_at,paid:status,note:status::text")
      .eq("id", 1)
      .csv()
    expect(data).toBe("id,amount,shipped_at,paid,note\n1,10.50,2025-01-02,paid,paid")
    await service.from("tickets").insert({ title: 'say "hi", ok', note: "line\nbreak" })
    const { data: tickets } = await service
      .from("tickets")
      .select("title,note")
      .eq("title", 'say "hi", ok')
      .csv()
    expect(tickets).toBe('title,note\n"say ""hi"", ok","line\nbreak"')
  })

  it("refuses application/vnd.pgrst.plan unless db-plan-enabled is on, then EXPLAINs", async () => {
    const refused = await rest("/users?select=id", {
      headers: { accept: "application/vnd.pgrst.plan+json" },
    })
    expect(refused.status).toBe(406)
    expect(await refused.json()).toMatchObject({ code: "PGRST107" })

    await stack.db.exec(`
      do $$ begin
        execute format('alter role authenticator in database %I set pgrst.db_plan_enabled = %L',
          current_database(), 'true');
      end $$;
      notify pgrst, 'reload config';
    `)
    let response = refused
    for (let attempt = 0; attempt < 50 && response.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      response = await rest("/users?select=id,orders(id)&id=eq.1", {
        headers: { accept: 'application/vnd.pgrst.plan+json; for="application/json"' },
      })
    }
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe(
      'application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8'
    )
    const plan = (await response.json()) as [{ Plan: { "Node Type": string } }]
    expect(plan[0].Plan["Node Type"]).toEqual(expect.any(String))

    const analyzed = await rest("/rpc/user_list?min_age=30", {
      headers: { accept: "application/vnd.pgrst.plan+text; options=analyze|verbose|buffers" },
    })
    expect(analyzed.status).toBe(200)
    expect(analyzed.headers.get("content-type")).toBe(
      'application/vnd.pgrst.plan+text; for="application/json"; options=analyze|verbose|buffers; charset=utf-8'
    )
    const text = await analyzed.text()
    expect(text).toMatch(/actual time=/)
    expect(text).toMatch(/Output:/)

    const { data } = await anon.from("users").select("id").eq("id", 1).explain({ format: "json" })
    expect(JSON.stringify(data)).toContain("Plan")
  })
})

describe(`REST grammar: plans of writes (${TEST_ENGINE})`, () => {
  // PostgREST explains a write's whole statement as it explains reads (MainTx.hs, DbCrud True;
  // PlanSpec.hs "writes plans"): 200 with the plan, nothing written without `analyze`.
  // db-plan-enabled was turned on by the output-format test above.
  const planJson = 'application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8'
  async function plan(route: string, init: RequestInit) {
    const response = await rest(route, {
      ...init,
      headers: {
        accept: "application/vnd.pgrst.plan+json",
        "content-type": "application/json",
        ...init.headers,
      },
    })
    const body = (await response.json()) as [
      { Plan: { "Total Cost": number; "Node Type": string } },
    ]
    return { response, plan: body[0]?.Plan }
  }
  const ticketCount = async () =>
    (await stack.db.query<{ n: number }>("select count(*)::int as n from public.tickets")).rows[0]!
      .n

  it("EXPLAINs an insert, an upsert, an update, a delete and a PUT without writing", async () => {
    const before = await ticketCount()
    const cases: [string, RequestInit][] = [
      ["/tickets", { method: "POST", body: JSON.stringify({ title: "planned" }) }],
      [
        "/tickets",
        {
          method: "POST",
          headers: { prefer: "resolution=merge-duplicates" },
          body: JSON.stringify([
            { id: 90, title: "a" },
            { id: 91, title: "b" },
          ]),
        },
      ],
      ["/orders?id=eq.3", { method: "PATCH", body: JSON.stringify({ status: "void" }) }],
      ["/orders?id=in.(1,2,3)", { method: "DELETE" }],
      ["/tickets?id=eq.92", { method: "PUT", body: JSON.stringify({ id: 92, title: "put" }) }],
    ]
    for (const [route, init] of cases) {
      const { response, plan: root } = await plan(route, init)
      expect(response.status, `${init.method} ${route}`).toBe(200)
      expect(response.headers.get("content-type")).toBe(planJson)
      expect(root?.["Total Cost"]).toBeGreaterThan(0)
    }
    expect(await ticketCount()).toBe(before)
    const { data } = await anon.from("orders").select("id,status").in("id", [1, 2, 3]).order("id")
    expect(data).toEqual([
      { id: 1, status: "paid" },
      { id: 2, status: "open" },
      { id: 3, status: "paid" },
    ])
  })

  it("runs the write under options=analyze, and not with tx=rollback", async () => {
    const before = await ticketCount()
    const analyzed = await rest("/tickets", {
      method: "POST",
      headers: {
        accept: "application/vnd.pgrst.plan+text; options=analyze",
        "content-type": "application/json",
      },
      body: JSON.stringify({ title: "analyzed" }),
    })
    expect(analyzed.status).toBe(200)
    expect(await analyzed.text()).toMatch(/Insert on tickets.*actual time=/s)
    expect(await ticketCount()).toBe(before + 1)
    const rolledBack = await rest("/tickets", {
      method: "POST",
      headers: {
        accept: "application/vnd.pgrst.plan+text; options=analyze",
        "content-type": "application/json",
        prefer: "tx=rollback",
      },
      body: JSON.stringify({ title: "rolled back" }),
    })
    expect(rolledBack.status).toBe(200)
    expect(await ticketCount()).toBe(before + 1)
  })
})

describe(`REST grammar: GeoJSON (${TEST_ENGINE})`, () => {
  it("answers application/geo+json with 406 PGRST107 when PostGIS is not installed", async (context) => {
    const installed = await stack.db.query<{ ok: boolean }>(
      "select exists (select 1 from pg_extension where extname = 'postgis') as ok"
    )
    if (installed.rows[0]?.ok) context.skip()
    const response = await rest("/users?select=id", {
      headers: { accept: "application/geo+json" },
    })
    expect(response.status).toBe(406)
    expect(await response.json()).toMatchObject({
      code: "PGRST107",
      message: "None of these media types are available: application/geo+json",
    })
  })

  // PostGIS is a Postgres extension (Debian: postgresql-15-postgis-3); PGlite has no build of
  // it, so these run only on a server where it is available. The fixture is PostgREST's own
  // (test/spec/fixtures/schema.sql: shops, shop_bles, get_shop) and each expectation is the
  // one of its PostGISSpec.hs.
  describe("with PostGIS", () => {
    let postgis = false
    beforeAll(async () => {
      const available = await stack.db.query<{ ok: boolean }>(
        "select exists (select 1 from pg_available_extensions where name = 'postgis') as ok"
      )
      postgis = available.rows[0]?.ok === true
      if (!postgis) return
      await stack.db.exec(`
        create extension if not exists postgis with schema extensions;
        create table public.shops (id int primary key, address text, shop_geom extensions.geometry(point, 4326));
        create table public.shop_bles (
          id int primary key, name text,
          coords extensions.geometry(point, 4326), range_area extensions.geometry(polygon, 4326),
          shop_id int references public.shops (id)
        );
        create function public.get_shop(id int) returns public.shops language sql
          as $$ select * from public.shops where id = $1 $$;
        grant select, insert, update on public.shops to anon;
        grant select on public.shop_bles to anon;
        insert into public.shops values
          (1, '1369 Cambridge St', extensions.st_geomfromtext('POINT(-71.10044 42.373695)', 4326)),
          (2, '757 Massachusetts Ave', extensions.st_geomfromtext('POINT(-71.10543 42.366432)', 4326)),
          (3, '605 W Kendall St', extensions.st_geomfromtext('POINT(-71.081924 42.36437)', 4326));
        insert into public.shop_bles values
          (1, 'Beacon-1', extensions.st_geomfromtext('POINT(-71.10044 42.373695)', 4326),
            extensions.st_geomfromtext('POLYGON((-71.1 42.37, -71.2 42.37, -71.2 42.38, -71.1 42.37))', 4326), 1);
        notify pgrst, 'reload schema';
      `)
      for (let attempt = 0; attempt < 50; attempt++) {
        if ((await rest("/shops?select=id")).status === 200) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })

    const geo = (route: string, init: RequestInit = {}) =>
      rest(route, { ...init, headers: { accept: "application/geo+json", ...init.headers } })
    const feature = (id: number, address: string, coordinates: number[]) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates },
      properties: { id, address },
    })

    it("answers a FeatureCollection for a table with a geometry column", async (context) => {
      if (!postgis) context.skip()
      const response = await geo("/shops?order=id")
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/geo+json; charset=utf-8")
      expect(await response.json()).toEqual({
        type: "FeatureCollection",
        features: [
          feature(1, "1369 Cambridge St", [-71.10044, 42.373695]),
          feature(2, "757 Massachusetts Ave", [-71.10543, 42.366432]),
          feature(3, "605 W Kendall St", [-71.081924, 42.36437]),
        ],
      })
    })

    it("answers 400 22023 for a table without a geometry column", async (context) => {
      if (!postgis) context.skip()
      const response = await geo("/users?select=id")
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({
        code: "22023",
        message: "geometry column is missing",
        details: null,
        hint: null,
      })
    })

    it("gives an empty features array on no rows, and keeps only the selected columns", async (context) => {
      if (!postgis) context.skip()
      expect(await (await geo("/shops?id=gt.3")).json()).toEqual({
        type: "FeatureCollection",
        features: [],
      })
      expect(await (await geo("/shops?select=id,shop_geom&id=eq.1")).json()).toEqual({
        type: "FeatureCollection",
        features: [
          {
            type: "Feature",
            geometry: { type: "Point", coordinates: [-71.10044, 42.373695] },
            properties: { id: 1 },
          },
        ],
      })
    })

    it("puts embeds in the properties, their geometries as GeoJSON objects", async (context) => {
      if (!postgis) context.skip()
      const body = (await (await geo("/shops?select=*,shop_bles(id,coords)&id=eq.1")).json()) as {
        features: { properties: { shop_bles: { id: number; coords: unknown }[] } }[]
      }
      expect(body.features[0]?.properties.shop_bles).toEqual([
        {
          id: 1,
          coords: {
            type: "Point",
            coordinates: [-71.10044, 42.373695],
            crs: { type: "name", properties: { name: "EPSG:4326" } },
          },
        },
      ])
    })

    it("answers GeoJSON from a function returning a row and after a write", async (context) => {
      if (!postgis) context.skip()
      expect(await (await geo("/rpc/get_shop?id=1")).json()).toEqual({
        type: "FeatureCollection",
        features: [feature(1, "1369 Cambridge St", [-71.10044, 42.373695])],
      })
      const created = await geo("/shops", {
        method: "POST",
        headers: { prefer: "return=representation", "content-type": "application/json" },
        body: JSON.stringify({
          id: 4,
          address: "1354 Massachusetts Ave",
          shop_geom: "SRID=4326;POINT(-71.11834 42.373238)",
        }),
      })
      expect(created.status).toBe(201)
      expect(created.headers.get("content-type")).toBe("application/geo+json; charset=utf-8")
      expect(await created.json()).toEqual({
        type: "FeatureCollection",
        features: [feature(4, "1354 Massachusetts Ave", [-71.11834, 42.373238])],
      })
    })

    it("renders geometry columns as GeoJSON objects in plain JSON", async (context) => {
      if (!postgis) context.skip()
      const { data } = await anon.from("shops").select("id,shop_geom").eq("id", 1)
      expect(data).toEqual([
        {
          id: 1,
          shop_geom: {
            type: "Point",
            coordinates: [-71.10044, 42.373695],
            crs: { type: "name", properties: { name: "EPSG:4326" } },
          },
        },
      ])
    })
  })
})
