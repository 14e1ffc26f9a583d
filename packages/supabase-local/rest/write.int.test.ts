import { type PostgrestSingleResponse } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  ALICE,
  anonClient,
  BOB,
  recordingClient,
  startConformanceStack,
  tokenClient,
  userClient,
  userToken,
} from "../testing/rest-conformance"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// Writes and RPC through @supabase/supabase-js, asserting PostgREST's statuses, headers, bodies
// and error codes. Tests in this file run in order and each touches rows of its own.
let stack: TestStack
let anon: ReturnType<typeof anonClient>
let service: ReturnType<typeof tokenClient>

beforeAll(async () => {
  stack = await startConformanceStack()
  anon = anonClient(stack)
  service = tokenClient(stack, stack.keys.serviceRoleKey)
})
afterAll(async () => {
  await stack?.stop()
})

/** The untyped client assumes PostgREST 12, where maxAffected() is hidden; the local API speaks 13. */
function maxAffected(query: unknown, rows: number) {
  type Limited = { maxAffected(rows: number): PromiseLike<PostgrestSingleResponse<unknown>> }
  return (query as Limited).maxAffected(rows)
}

async function rest(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers)
  if (!headers.has("apikey")) headers.set("apikey", stack.keys.anonKey)
  return fetch(`${stack.url}/rest/v1${path}`, { ...init, headers })
}

describe(`REST writes: insert (${TEST_ENGINE})`, () => {
  it("inserts one row and returns it with select()", async () => {
    const { data, error, status } = await anon
      .from("counters")
      .insert({ key: "a1", value: 1 })
      .select()
    expect(error).toBeNull()
    expect(status).toBe(201)
    expect(data).toEqual([{ key: "a1", value: 1, label: "unnamed" }])
  })

  it("inserts without a body in the answer by default (return=minimal)", async () => {
    const recorder = recordingClient(stack)
    const { data, error, status } = await recorder.client.from("counters").insert({ key: "a2" })
    expect(error).toBeNull()
    expect(status).toBe(201)
    expect(data).toBeNull()
    expect(recorder.header("content-range")).toBe("*/*")
    const { data: stored } = await anon.from("counters").select("key,value,label").eq("key", "a2")
    expect(stored).toEqual([{ key: "a2", value: 0, label: "unnamed" }])
  })

  it("returns chosen columns and Preference-Applied", async () => {
    const recorder = recordingClient(stack)
    const { data } = await recorder.client
      .from("counters")
      .insert({ key: "a3", value: 3 })
      .select("key")
    expect(data).toEqual([{ key: "a3" }])
    expect(recorder.header("preference-applied")).toBe("return=representation")
    expect(recorder.header("content-type")).toBe("application/json; charset=utf-8")
  })

  it("inserts in bulk with columns= and counts", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ key: `bulk-${i}`, value: i }))
    const { data, count, status } = await anon
      .from("counters")
      .insert(rows, { count: "exact" })
      .select("key")
    expect(status).toBe(201)
    expect(count).toBe(50)
    expect(data).toHaveLength(50)
    expect(data?.[49]).toEqual({ key: "bulk-49" })
  })

  it("fills missing keys with null by default (and fails on not null)", async () => {
    const { error, status } = await anon
      .from("events")
      .insert([{ kind: "first" }, { kind: "second", created_at: "2025-06-01T00:00:00+00:00" }])
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "23502",
      message:
        'null value in column "created_at" of relation "events" violates not-null constraint',
    })
  })

  it("fills missing keys with column defaults with Prefer: missing=default", async () => {
    const { data, error, status } = await anon
      .from("events")
      .insert([{ kind: "first" }, { kind: "second", created_at: "2025-06-01T00:00:00+00:00" }], {
        defaultToNull: false,
      })
      .select("kind,created_at")
    expect(error).toBeNull()
    expect(status).toBe(201)
    expect(data).toEqual([
      { kind: "first", created_at: "2025-01-01T00:00:00+00:00" },
      { kind: "second", created_at: "2025-06-01T00:00:00+00:00" },
    ])
  })

  it("stores JSON and arrays from the body", async () => {
    const { data } = await anon
      .from("events")
      .insert({ kind: "json", payload: { nested: { list: [1, 2, "three"] }, flag: true } })
      .select("payload")
      .single()
    expect(data).toEqual({ payload: { nested: { list: [1, 2, "three"] }, flag: true } })
  })

  it("answers 409 23505 for a duplicate key", async () => {
    const { error, status } = await anon.from("counters").insert({ key: "a1" })
    expect(status).toBe(409)
    expect(error).toEqual({
      code: "23505",
      message: 'duplicate key value violates unique constraint "counters_pkey"',
      details: "Key (key)=(a1) already exists.",
      hint: null,
    })
  })

  it("answers 409 23503 for a missing foreign row", async () => {
    const { error, status } = await anon.from("events").insert({ kind: "x", author_id: 99 })
    expect(status).toBe(409)
    expect(error).toMatchObject({
      code: "23503",
      message:
        'insert or update on table "events" violates foreign key constraint "events_author_id_fkey"',
      details: 'Key (author_id)=(99) is not present in table "authors".',
    })
  })

  it("answers 400 23514 for a check violation", async () => {
    const { error, status } = await anon.from("events").insert({ kind: "" })
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "23514",
      message: 'new row for relation "events" violates check constraint "events_kind_check"',
    })
  })

  it("answers 400 PGRST204 for an unknown column", async () => {
    const { error, status } = await anon.from("counters").insert({ key: "zz", nope: 1 })
    expect(status).toBe(400)
    expect(error).toEqual({
      code: "PGRST204",
      message: "Could not find the 'nope' column of 'counters' in the schema cache",
      details: null,
      hint: null,
    })
  })

  it("answers 400 PGRST102 for invalid JSON", async () => {
    const response = await rest("/counters", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{bad",
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      code: "PGRST102",
      message: "Empty or invalid json",
      details: null,
      hint: null,
    })
  })

  it("answers 400 PGRST102 when bulk rows have different keys and no columns=", async () => {
    const response = await rest("/counters", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ key: "k1" }, { key: "k2", value: 2 }]),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: "PGRST102",
      message: "All object keys must match",
    })
  })

  it("sends the body to Postgres as it came: numbers past 2^53 keep every digit", async () => {
    // PostgREST passes the raw body (Payload.hs); parsing it in JavaScript first would round
    // 9007199254740993 to …992 and the jsonb number to 1.2345678901234568e22.
    for (const [path, id] of [
      ["/events?select=id,payload", "9007199254740993"],
      ["/events?columns=id,kind,payload&select=id,payload", "9007199254740995"],
    ] as const) {
      const response = await rest(path, {
        method: "POST",
        headers: { "content-type": "application/json", prefer: "return=representation" },
        body: `[{"id": ${id}, "kind": "big", "payload": {"n": 12345678901234567890123}}]`,
      })
      expect(response.status).toBe(201)
      expect(await response.text()).toBe(`[{"id":${id},"payload":{"n": 12345678901234567890123}}]`)
    }
  })

  it("updates from the body as it came: numbers past 2^53 keep every digit", async () => {
    const response = await rest("/events?id=eq.9007199254740993&select=payload", {
      method: "PATCH",
      headers: { "content-type": "application/json", prefer: "return=representation" },
      body: `{"payload": {"n": 98765432109876543210987}}`,
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(`[{"payload":{"n": 98765432109876543210987}}]`)
  })

  it("with columns= leaves the body to Postgres: a lone object is one row, bad JSON is 22P02", async () => {
    const one = await rest("/counters?columns=key,value", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "lone", value: 7, ignored: true }),
    })
    expect(one.status).toBe(201)
    const { data } = await anon.from("counters").select("key,value").eq("key", "lone")
    expect(data).toEqual([{ key: "lone", value: 7 }])
    // PostgREST does not parse a body sent with columns= (its RawJSON), so Postgres judges it.
    const bad = await rest("/counters?columns=key", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[{bad",
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({
      code: "22P02",
      message: "invalid input syntax for type json",
    })
  })

  it("answers Location for Prefer: return=headers-only", async () => {
    const response = await rest("/counters", {
      method: "POST",
      headers: { "content-type": "application/json", prefer: "return=headers-only" },
      body: JSON.stringify({ key: "loc" }),
    })
    expect(response.status).toBe(201)
    expect(response.headers.get("location")).toBe("/counters?key=eq.loc")
    expect(await response.text()).toBe("")
  })

  it("inserts CSV bodies", async () => {
    const response = await rest("/counters", {
      method: "POST",
      headers: { "content-type": "text/csv", prefer: "return=representation" },
      body: "key,value\ncsv-1,5\ncsv-2,6",
    })
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual([
      { key: "csv-1", value: 5, label: "unnamed" },
      { key: "csv-2", value: 6, label: "unnamed" },
    ])
  })

  it("inserts into another schema with Content-Profile", async () => {
    const { data, status } = await anonClient(stack, "library")
      .from("shelves")
      .insert({ id: 3, label: "Middle" })
      .select()
    expect(status).toBe(201)
    expect(data).toEqual([{ id: 3, label: "Middle" }])
  })

  it("returns one object for insert().select().single()", async () => {
    const { data, status } = await anon
      .from("counters")
      .insert({ key: "one" })
      .select("key")
      .single()
    expect(status).toBe(201)
    expect(data).toEqual({ key: "one" })
  })

  it("rolls back and answers PGRST116 when single() gets several inserted rows", async () => {
    const { error, status } = await anon
      .from("counters")
      .insert([{ key: "s1" }, { key: "s2" }])
      .select("key")
      .single()
    expect(status).toBe(406)
    expect(error).toMatchObject({ code: "PGRST116", details: "The result contains 2 rows" })
    const { data } = await anon.from("counters").select("key").in("key", ["s1", "s2"])
    expect(data).toEqual([])
  })

  it("discards the transaction with Prefer: tx=rollback", async () => {
    const recorder = recordingClient(stack)
    const { data, status } = await recorder.client
      .from("counters")
      .insert({ key: "ghost" })
      .select("key")
      .rollback()
    expect(status).toBe(201)
    expect(data).toEqual([{ key: "ghost" }])
    expect(recorder.header("preference-applied")).toBe("return=representation, tx=rollback")
    const { data: stored } = await anon.from("counters").select("key").eq("key", "ghost")
    expect(stored).toEqual([])
  })

  it("inserts 1,000 rows in one request", async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      kind: `bulk-${i}`,
      author_id: (i % 4) + 1,
    }))
    const { count, status, error } = await anon.from("events").insert(rows, { count: "exact" })
    expect(error).toBeNull()
    expect(status).toBe(201)
    expect(count).toBe(1000)
  })
})

describe(`REST writes: upsert (${TEST_ENGINE})`, () => {
  it("merges duplicates and answers 200 when nothing new was inserted", async () => {
    const { data, status } = await anon
      .from("counters")
      .upsert({ key: "a1", value: 100 })
      .select("key,value")
    expect(status).toBe(200)
    expect(data).toEqual([{ key: "a1", value: 100 }])
  })

  it("answers 201 when an upsert inserts", async () => {
    const recorder = recordingClient(stack)
    const { data, status } = await recorder.client
      .from("counters")
      .upsert([
        { key: "a1", value: 101 },
        { key: "u-new", value: 1 },
      ])
      .select("key,value")
    expect(status).toBe(201)
    expect(data).toEqual([
      { key: "a1", value: 101 },
      { key: "u-new", value: 1 },
    ])
    expect(recorder.header("preference-applied")).toBe(
      "resolution=merge-duplicates, return=representation"
    )
  })

  it("keeps existing rows with ignoreDuplicates and returns only new ones", async () => {
    const { data, status } = await anon
      .from("counters")
      .upsert(
        [
          { key: "a1", value: 999 },
          { key: "u-ignored-new", value: 7 },
        ],
        { ignoreDuplicates: true }
      )
      .select("key,value")
    expect(status).toBe(201)
    expect(data).toEqual([{ key: "u-ignored-new", value: 7 }])
    const { data: kept } = await anon.from("counters").select("value").eq("key", "a1").single()
    expect(kept).toEqual({ value: 101 })
  })

  it("upserts on another unique column with on_conflict", async () => {
    const { data, error } = await anon
      .from("tags")
      .upsert({ id: 1, slug: "classic", hits: 6 }, { onConflict: "slug" })
      .select("id,slug,hits")
    expect(error).toBeNull()
    expect(data).toEqual([{ id: 1, slug: "classic", hits: 6 }])
  })

  it("updates only the columns sent", async () => {
    await anon.from("counters").upsert({ key: "a1", value: 5 })
    const { data } = await anon.from("counters").select("key,value,label").eq("key", "a1")
    expect(data).toEqual([{ key: "a1", value: 5, label: "unnamed" }])
  })
})

describe(`REST writes: update and delete (${TEST_ENGINE})`, () => {
  it("updates filtered rows and returns them", async () => {
    const { data, status } = await anon
      .from("counters")
      .update({ label: "Visit count" })
      .eq("key", "visits")
      .select("key,label")
    expect(status).toBe(200)
    expect(data).toEqual([{ key: "visits", label: "Visit count" }])
  })

  it("answers 204 for an update without select()", async () => {
    const recorder = recordingClient(stack)
    const { data, status } = await recorder.client
      .from("counters")
      .update({ value: 11 })
      .eq("key", "visits")
    expect(status).toBe(204)
    expect(data).toBeNull()
    expect(recorder.header("content-range")).toBe("0-0/*")
  })

  it("counts updated rows", async () => {
    const recorder = recordingClient(stack)
    const { count } = await recorder.client
      .from("counters")
      .update({ label: "bulk" }, { count: "exact" })
      .like("key", "bulk-*")
    expect(count).toBe(50)
    expect(recorder.header("content-range")).toBe("0-49/50")
  })

  it("returns [] when an update matches nothing", async () => {
    const { data, status } = await anon
      .from("counters")
      .update({ value: 1 })
      .eq("key", "nothing")
      .select()
    expect(status).toBe(200)
    expect(data).toEqual([])
  })

  it("answers PGRST204 for an unknown column in an update", async () => {
    const { error, status } = await anon.from("counters").update({ nope: 1 }).eq("key", "visits")
    expect(status).toBe(400)
    expect(error?.code).toBe("PGRST204")
  })

  it("refuses an update over max-affected and changes nothing", async () => {
    const { error, status } = await maxAffected(
      anon.from("counters").update({ label: "too many" }).like("key", "bulk-*"),
      3
    )
    expect(status).toBe(400)
    expect(error).toMatchObject({
      code: "PGRST124",
      message: "Query result exceeds max-affected preference constraint",
      details: "The query affects 50 rows",
    })
    const { count } = await anon
      .from("counters")
      .select("key", { count: "exact", head: true })
      .eq("label", "too many")
    expect(count).toBe(0)
  })

  it("updates within max-affected", async () => {
    const { error, status } = await maxAffected(
      anon.from("counters").update({ value: 2 }).eq("key", "likes"),
      1
    )
    expect(error).toBeNull()
    expect(status).toBe(204)
  })

  it("limits an update to the first rows in the requested order", async () => {
    const { data } = await anon
      .from("counters")
      .update({ label: "first two" })
      .like("key", "bulk-*")
      .order("value")
      .limit(2)
      .select("key")
    expect(data).toEqual([{ key: "bulk-0" }, { key: "bulk-1" }])
    const { count } = await anon
      .from("counters")
      .select("key", { count: "exact", head: true })
      .eq("label", "first two")
    expect(count).toBe(2)
  })

  it("deletes filtered rows and returns them", async () => {
    const { data, status } = await anon
      .from("counters")
      .delete()
      .eq("key", "likes")
      .select("key,value")
    expect(status).toBe(200)
    expect(data).toEqual([{ key: "likes", value: 2 }])
  })

  it("answers 204 for a delete without select() and counts", async () => {
    const recorder = recordingClient(stack)
    const { status, count } = await recorder.client
      .from("counters")
      .delete({ count: "exact" })
      .like("key", "csv-*")
    expect(status).toBe(204)
    expect(count).toBe(2)
    expect(recorder.header("content-range")).toBe("*/2")
  })

  it("deletes through an or filter", async () => {
    const { data } = await anon
      .from("counters")
      .delete()
      .or("key.eq.a2,key.eq.a3")
      .select("key")
      .order("key")
    expect(data).toEqual([{ key: "a2" }, { key: "a3" }])
  })

  it("answers 409 23503 for a delete that would orphan rows", async () => {
    const { error, status } = await anon.from("authors").delete().eq("id", 1)
    expect(status).toBe(409)
    expect(error?.code).toBe("23503")
  })

  it("answers 405 PGRST117 for an unsupported method", async () => {
    const response = await rest("/counters", { method: "PROPFIND" })
    expect(response.status).toBe(405)
    expect(await response.json()).toMatchObject({
      code: "PGRST117",
      message: "Unsupported HTTP method: PROPFIND",
    })
  })

  it("upserts one row with PUT, answering 201 then 200", async () => {
    const put = (value: number) =>
      rest("/counters?key=eq.put-1", {
        method: "PUT",
        headers: { "content-type": "application/json", prefer: "return=representation" },
        body: JSON.stringify({ key: "put-1", value }),
      })
    const created = await put(1)
    expect(created.status).toBe(201)
    expect(await created.json()).toEqual([{ key: "put-1", value: 1, label: "unnamed" }])
    const replaced = await put(2)
    expect(replaced.status).toBe(200)
    expect(await replaced.json()).toEqual([{ key: "put-1", value: 2, label: "unnamed" }])
    const minimal = await rest("/counters?key=eq.put-1", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "put-1", value: 3 }),
    })
    expect(minimal.status).toBe(204)
  })

  it("answers PGRST105 for PUT without all primary-key eq filters", async () => {
    const response = await rest("/counters?value=eq.1", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "x", value: 1 }),
    })
    expect(response.status).toBe(405)
    expect(await response.json()).toMatchObject({
      code: "PGRST105",
      message: "Filters must include all and only primary key columns with 'eq' operators",
    })
  })

  it("answers PGRST115 when the PUT body's key differs from the URL", async () => {
    const response = await rest("/counters?key=eq.put-2", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "other", value: 1 }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: "PGRST115",
      message: "Payload values do not match URL in primary key column(s)",
    })
  })

  it("answers PGRST114 for PUT with a limit", async () => {
    const response = await rest("/counters?key=eq.put-2&limit=1", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "put-2" }),
    })
    expect(response.status).toBe(400)
    expect((await response.json()).code).toBe("PGRST114")
  })
})

// Bodies as PostgREST's getPayload reads them (ApiRequest/Payload.hs): with columns= a JSON
// body is not parsed (RawJSON) and Postgres judges it through json_to_record(set) with the
// columns' types (Query/SqlFragment.hs fromJsonBodyF); without it the body is parsed for its
// keys, and a PATCH takes an array as a POST does.
describe(`REST writes: bodies with and without columns= (${TEST_ENGINE})`, () => {
  const send = (method: string, path: string, body: string, prefer = "return=representation") =>
    rest(path, { method, headers: { "content-type": "application/json", prefer }, body })
  const values = async (pattern: string) =>
    (await anon.from("counters").select("key,value,label").like("key", pattern).order("key")).data

  it("PATCH with columns= leaves the body to Postgres: bad or empty JSON is 22P02, a scalar 22023", async () => {
    await anon.from("counters").insert({ key: "pc-1", value: 1 })
    for (const [body, code, message] of [
      ["{bad", "22P02", "invalid input syntax for type json"],
      ["", "22P02", "invalid input syntax for type json"],
      ["5", "22023", "cannot call json_to_recordset on a scalar"],
      ['[{"value": 2}, 333]', "22023", "argument of json_to_recordset must be an array of objects"],
    ] as const) {
      const response = await send("PATCH", "/counters?key=eq.pc-1&columns=value", body)
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ code, message })
    }
    expect(await values("pc-1")).toEqual([{ key: "pc-1", value: 1, label: "unnamed" }])
  })

  it("PATCH with columns= takes an array body: every matched row from it, [] updates none", async () => {
    await anon.from("counters").insert([
      { key: "pc-2a", value: 1 },
      { key: "pc-2b", value: 1 },
    ])
    let response = await send(
      "PATCH",
      "/counters?key=like.pc-2*&columns=value&select=key,value&order=key",
      '[{"value": 7, "other": 1}, {"value": 7}]'
    )
    expect(response.status).toBe(200)
    expect(response.headers.get("content-range")).toBe("0-1/*")
    expect(await response.json()).toEqual([
      { key: "pc-2a", value: 7 },
      { key: "pc-2b", value: 7 },
    ])
    response = await send("PATCH", "/counters?key=like.pc-2*&columns=value", "[]")
    expect(response.status).toBe(200)
    expect(await response.text()).toBe("[]")
    expect((await values("pc-2*"))?.map((r) => r!.value)).toEqual([7, 7])
  })

  it("PATCH with columns= sends a one-row array as it came: numbers past 2^53 keep every digit", async () => {
    const created = await send("POST", "/events", '{"id": 9007199254740997, "kind": "patch"}')
    expect(created.status).toBe(201)
    const response = await send(
      "PATCH",
      "/events?id=eq.9007199254740997&columns=payload&select=id,payload",
      '[{"payload": {"n": 98765432109876543210987}}]'
    )
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(
      '[{"id":9007199254740997,"payload":{"n": 98765432109876543210987}}]'
    )
  })

  it("PATCH with columns= and missing=default sets the columns the body leaves out to their defaults", async () => {
    await anon.from("counters").insert({ key: "pc-4", value: 4, label: "four" })
    const response = await send(
      "PATCH",
      "/counters?key=eq.pc-4&columns=value,label",
      '{"value": 40}',
      "missing=default, return=representation"
    )
    expect(response.status).toBe(200)
    expect(response.headers.get("preference-applied")).toBe(
      "missing=default, return=representation"
    )
    expect(await response.json()).toEqual([{ key: "pc-4", value: 40, label: "unnamed" }])
    // Without the preference a column named in columns= but absent from the body is null.
    const nulls = await send("PATCH", "/counters?key=eq.pc-4&columns=value,label", '{"value": 41}')
    expect(await nulls.json()).toEqual([{ key: "pc-4", value: 41, label: null }])
  })

  it("POST with columns= leaves the body to Postgres: an empty body is 22P02, a scalar 22023", async () => {
    for (const [body, code, message] of [
      ["", "22P02", "invalid input syntax for type json"],
      ["5", "22023", "cannot call json_to_recordset on a scalar"],
      [
        '[{"key": "pc-5"}, 333]',
        "22023",
        "argument of json_to_recordset must be an array of objects",
      ],
    ] as const) {
      const response = await send("POST", "/counters?columns=key", body)
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ code, message })
    }
    expect(await values("pc-5")).toEqual([])
  })

  it("PUT ignores columns= and writes the body's keys, as PostgREST", async () => {
    const response = await send(
      "PUT",
      "/counters?key=eq.pc-6&columns=key",
      '{"key": "pc-6", "value": 6}'
    )
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual([{ key: "pc-6", value: 6, label: "unnamed" }])
  })

  it("PUT applies no missing=default: a provided identity value draws nothing from its sequence", async () => {
    const post = async () => {
      const response = await send("POST", "/events?select=id", '{"kind": "seq"}')
      return ((await response.json()) as { id: number }[])[0]!.id
    }
    const before = await post()
    const put = await send(
      "PUT",
      "/events?id=eq.7000001",
      '{"id": 7000001, "kind": "put"}',
      "missing=default, return=minimal"
    )
    expect(put.status).toBe(204)
    expect(await post()).toBe(before + 1)
  })

  it("PATCH without columns= takes an array of objects with the same keys; others are PGRST102", async () => {
    await anon.from("counters").insert([
      { key: "pc-7a", value: 1 },
      { key: "pc-7b", value: 1 },
    ])
    let response = await send(
      "PATCH",
      "/counters?key=like.pc-7*&select=key,value&order=key",
      '[{"value": 8}, {"value": 8}]'
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([
      { key: "pc-7a", value: 8 },
      { key: "pc-7b", value: 8 },
    ])
    for (const body of ['[{"value": 9}, {"label": "x"}]', "[1]", '[{"value": 9}, 5]']) {
      response = await send("PATCH", "/counters?key=like.pc-7*", body)
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({
        code: "PGRST102",
        message: "All object keys must match",
      })
    }
    // An empty array has no keys: nothing is updated.
    response = await send("PATCH", "/counters?key=like.pc-7*", "[]", "return=minimal")
    expect(response.status).toBe(204)
    expect((await values("pc-7*"))?.map((r) => r!.value)).toEqual([8, 8])
  })

  it("without columns= a JSON scalar is no rows, as PostgREST truncates it to []", async () => {
    for (const body of ["5", '"text"', "null", "true"]) {
      const inserted = await send("POST", "/counters", body)
      expect(inserted.status).toBe(201)
      expect(await inserted.text()).toBe("[]")
      const updated = await send("PATCH", "/counters?key=eq.visits", body, "return=minimal")
      expect(updated.status).toBe(204)
    }
    const response = await send("POST", "/counters", "[1]")
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: "PGRST102",
      message: "All object keys must match",
    })
  })

  it("takes a CSV body's columns from its header, not from columns=", async () => {
    const response = await rest("/counters?columns=key", {
      method: "POST",
      headers: { "content-type": "text/csv", prefer: "return=representation" },
      body: "key,value\npc-9,9",
    })
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual([{ key: "pc-9", value: 9, label: "unnamed" }])
  })
})

describe(`REST writes: RLS (${TEST_ENGINE})`, () => {
  it("inserts a user's own row, owner taken from auth.uid()", async () => {
    const alice = await userClient(stack, ALICE)
    const { data, status } = await alice
      .from("notes")
      .insert({ body: "alice note 3" })
      .select("owner_id,body")
    expect(status).toBe(201)
    expect(data).toEqual([{ owner_id: ALICE, body: "alice note 3" }])
  })

  it("refuses a row for another user with 403 42501", async () => {
    const bob = await userClient(stack, BOB)
    const { error, status } = await bob.from("notes").insert({ owner_id: ALICE, body: "forged" })
    expect(status).toBe(403)
    expect(error).toEqual({
      code: "42501",
      message: 'new row violates row-level security policy for table "notes"',
      details: null,
      hint: null,
    })
  })

  it("refuses anon inserts with 401 42501", async () => {
    const { error, status } = await anon.from("notes").insert({ owner_id: ALICE, body: "anon" })
    expect(status).toBe(401)
    expect(error?.code).toBe("42501")
  })

  it("cannot update another user's row", async () => {
    const bob = await userClient(stack, BOB)
    const { data, status } = await bob
      .from("notes")
      .update({ body: "hacked" })
      .eq("body", "alice note 1")
      .select()
    expect(status).toBe(200)
    expect(data).toEqual([])
    const { data: stored } = await service.from("notes").select("body").eq("body", "alice note 1")
    expect(stored).toEqual([{ body: "alice note 1" }])
  })

  it("cannot delete another user's row", async () => {
    const bob = await userClient(stack, BOB)
    const { data } = await bob.from("notes").delete().eq("owner_id", ALICE).select()
    expect(data).toEqual([])
    const { count } = await service
      .from("notes")
      .select("id", { count: "exact", head: true })
      .eq("owner_id", ALICE)
    expect(count).toBe(3)
  })

  it("cannot hand a row to another user (with check)", async () => {
    const alice = await userClient(stack, ALICE)
    const { error, status } = await alice
      .from("notes")
      .update({ owner_id: BOB })
      .eq("body", "alice note 2")
    expect(status).toBe(403)
    expect(error?.code).toBe("42501")
  })

  it("updates and deletes the user's own rows", async () => {
    const alice = await userClient(stack, ALICE)
    const { data } = await alice
      .from("notes")
      .update({ body: "alice note 3 (edited)" })
      .eq("body", "alice note 3")
      .select("body")
    expect(data).toEqual([{ body: "alice note 3 (edited)" }])
    const { data: deleted } = await alice
      .from("notes")
      .delete()
      .eq("body", "alice note 3 (edited)")
      .select("body")
    expect(deleted).toEqual([{ body: "alice note 3 (edited)" }])
  })
})

describe(`REST RPC (${TEST_ENGINE})`, () => {
  it("calls with named arguments over POST", async () => {
    const { data, status } = await anon.rpc("add", { a: 2, b: 3 })
    expect(status).toBe(200)
    expect(data).toBe(5)
  })

  it("calls a stable function over GET", async () => {
    const { data, status } = await anon.rpc("add", { a: 40, b: 2 }, { get: true })
    expect(status).toBe(200)
    expect(data).toBe(42)
  })

  it("uses parameter defaults", async () => {
    expect((await anon.rpc("hello")).data).toBe("hello world")
    expect((await anon.rpc("hello", { name: "Lem" })).data).toBe("hello Lem")
  })

  it("filters, orders and selects a set-returning function's rows", async () => {
    const { data } = await anon
      .rpc("books_by", { author: 1 })
      .select("title,pages")
      .gt("pages", 200)
      .order("pages", { ascending: false })
    expect(data).toEqual([{ title: "The Left Hand of Darkness", pages: 304 }])
  })

  it("embeds from a function returning table rows", async () => {
    const { data } = await anon
      .rpc("books_by", { author: 2 })
      .select("id,authors(name)")
      .order("id")
    expect(data).toEqual([
      { id: 3, authors: { name: "Stanisław Lem" } },
      { id: 4, authors: { name: "Stanisław Lem" } },
    ])
  })

  it("returns one object for a function returning a single row", async () => {
    const { data } = await anon.rpc("get_author", { author: 2 })
    expect(data).toEqual({ id: 2, name: "Stanisław Lem", country: "PL", born: "1921-09-12" })
  })

  it("returns TABLE(...) results as rows, with filters and counts", async () => {
    const { data, count } = await anon.rpc("squares", { n: 4 }, { count: "exact" }).gt("square", 1)
    expect(data).toEqual([
      { x: 2, square: 4 },
      { x: 3, square: 9 },
      { x: 4, square: 16 },
    ])
    expect(count).toBe(3)
  })

  it("returns a set of scalars as an array", async () => {
    const { data } = await anon.rpc("tag_list")
    expect(data).toEqual(["classic", "dystopia", "fantasy", "humor", "scifi"])
  })

  it("answers 204 for a void function and commits its writes", async () => {
    const { data, status } = await anon.rpc("bump", { counter: "rpc-hits" })
    expect(status).toBe(204)
    expect(data).toBeNull()
    await anon.rpc("bump", { counter: "rpc-hits" })
    const { data: stored } = await anon
      .from("counters")
      .select("value")
      .eq("key", "rpc-hits")
      .single()
    expect(stored).toEqual({ value: 2 })
  })

  it("passes the whole body to a single unnamed json argument", async () => {
    const { data } = await anon.rpc("echo", { any: ["shape", { of: 1 }] })
    expect(data).toEqual({ any: ["shape", { of: 1 }] })
  })

  it("answers 400 P0001 with detail and hint for RAISE", async () => {
    const { error, status } = await anon.rpc("fail_plain")
    expect(status).toBe(400)
    expect(error).toEqual({
      code: "P0001",
      message: "I refuse!",
      details: "Pretty simple",
      hint: "There is nothing you can do.",
    })
  })

  it("answers the status of a PTxyz SQLSTATE", async () => {
    const { error, status } = await anon.rpc("fail_payment")
    expect(status).toBe(402)
    expect(error).toMatchObject({
      code: "PT402",
      message: "Payment Required",
      details: "Quota exceeded",
    })
  })

  it("answers 300 PGRST203 for overloads it cannot choose between", async () => {
    const { error, status } = await anon.rpc("over", { a: 1 })
    expect(status).toBe(300)
    expect(error?.code).toBe("PGRST203")
    expect(error?.hint).toBe(
      "Try renaming the parameters or the function itself in the database so function overloading can be resolved"
    )
  })

  it("answers 404 PGRST202 for an unknown function", async () => {
    const { error, status } = await anon.rpc("hellp", { name: "x", greeting: "y" })
    expect(status).toBe(404)
    expect(error).toEqual({
      code: "PGRST202",
      message: "Could not find the function public.hellp(greeting, name) in the schema cache",
      details:
        "Searched for the function public.hellp with parameters greeting, name or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
      hint: "Perhaps you meant to call the function public.hello",
    })
  })

  it("answers 404 PGRST202 for unknown arguments of a known function", async () => {
    const { error, status } = await anon.rpc("add", { a: 1, c: 2 })
    expect(status).toBe(404)
    expect(error).toMatchObject({
      code: "PGRST202",
      message: "Could not find the function public.add(a, c) in the schema cache",
      hint: "Perhaps you meant to call the function public.add(a, b)",
    })
  })

  it("answers PGRST202 for an unknown argument over GET", async () => {
    const response = await rest("/rpc/add?a=1&c=2")
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({
      code: "PGRST202",
      message: "Could not find the function public.add(a, c) in the schema cache",
      details:
        "Searched for the function public.add with parameters a, c, but no matches were found in the schema cache.",
    })
  })

  it("filters a GET call's rows with operator parameters", async () => {
    const response = await rest("/rpc/squares?n=5&square=gt.10&select=x&order=x.desc")
    expect(await response.json()).toEqual([{ x: 5 }, { x: 4 }])
  })

  it("runs GET calls read-only: a volatile write answers 405 25006", async () => {
    const { error, status } = await anon.rpc("write_on_get", {}, { get: true })
    expect(status).toBe(405)
    expect(error).toMatchObject({
      code: "25006",
      message: "cannot execute INSERT in a read-only transaction",
    })
  })

  it("applies RLS inside functions (security invoker)", async () => {
    const bob = await userClient(stack, BOB)
    const { data } = await bob.rpc("my_notes").select("body")
    expect(data).toEqual([{ body: "bob note 1" }])
  })

  it("counts function rows with HEAD", async () => {
    const { count, data, status } = await anon.rpc(
      "squares",
      { n: 7 },
      { head: true, count: "exact" }
    )
    expect(status).toBe(200)
    expect(data).toBeNull()
    expect(count).toBe(7)
  })

  it("answers 405 PGRST101 for other methods on RPC", async () => {
    const response = await rest("/rpc/add", { method: "PATCH" })
    expect(response.status).toBe(405)
    expect(await response.json()).toMatchObject({
      code: "PGRST101",
      message: "Cannot use the PATCH method on RPC",
    })
  })

  it("passes a signed-in user's claims to functions", async () => {
    const token = await userToken(stack, BOB)
    const { data } = await tokenClient(stack, token).rpc("whoami")
    expect(data).toMatchObject({ role: "authenticated", sub: BOB })
  })
})
