import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"

import { type StorageOptions } from "../db/open"
import { startLocalStack, type LocalStack } from "../stack"
import {
  Inbox,
  mintUser,
  REALTIME_FIXTURE_MIGRATIONS,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
} from "../testing/realtime"
import { PROJECT_ROOT, startTestStack, TEST_ENGINE, type TestStack } from "../testing/test-stack"
import { realtimeService } from "./service"

type Frame = [string | null, string | null, string, string, Record<string, unknown>]
type Broadcast = {
  type: string
  event: string
  payload: Record<string, unknown>
}

/** A bare WebSocket speaking vsn 2.0.0 by hand, for frames supabase-js would never send. */
async function rawSocket(stack: Pick<LocalStack, "url" | "keys">, apiKey = stack.keys.anonKey) {
  const url = `${stack.url.replace(/^http/, "ws")}/realtime/v1/websocket?apikey=${apiKey}&vsn=2.0.0`
  const ws = new WebSocket(url)
  const frames = new Inbox<Frame>()
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }))
  )
  ws.on("message", (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(data.toString()) as Frame)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve())
    ws.once("error", reject)
  })

  return { ws, frames, closed }
}

describe(`realtime under bad input and slow consumers (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const clients: RealtimeTestClient[] = []
  const sockets: WebSocket[] = []

  beforeAll(async () => {
    stack = await startTestStack({
      migrationsDir: REALTIME_FIXTURE_MIGRATIONS,
      seedFiles: [],
      services: [
        realtimeService({
          maxBufferedBytes: 64 * 1024,
          maxFrameBytes: 1024 * 1024,
          privateOnly: false,
        }),
      ],
    })
  })
  afterAll(async () => {
    for (const socket of sockets) socket.terminate()
    for (const created of clients) await created.close().catch(() => undefined)
    await stack?.stop()
  })

  async function healthyListener(topic: string) {
    const created = await realtimeClient(stack)
    clients.push(created)
    const inbox = new Inbox<Broadcast>()
    const channel = created.supabase
      .channel(topic)
      .on("broadcast", { event: "*" }, (m) => inbox.push(m as Broadcast))
    await subscribe(channel)

    return { channel, inbox }
  }

  it("answers malformed frames, unknown topics and bad joins with errors and keeps serving", async () => {
    const healthy = await healthyListener("steady")
    const { ws, frames } = await rawSocket(stack)
    sockets.push(ws)

    ws.send("this is not json")
    expect((await frames.next())[4]).toMatchObject({
      reason: expect.stringMatching(/malformed/),
    })
    ws.send(JSON.stringify({ topic: "x", event: "y" }))
    expect((await frames.next())[3]).toBe("phx_error")
    ws.send(Buffer.from([9, 9, 9]))
    expect((await frames.next())[3]).toBe("phx_error")

    ws.send(JSON.stringify(["1", "1", "elsewhere:lobby", "phx_join", {}]))
    expect(await frames.next()).toEqual([
      "1",
      "1",
      "elsewhere:lobby",
      "phx_reply",
      { status: "error", response: { reason: "unmatched topic" } },
    ])
    ws.send(JSON.stringify(["2", "2", "realtime:", "phx_join", {}]))
    expect((await frames.next())[4]).toEqual({
      status: "error",
      response: { reason: "TopicNameRequired: You must provide a topic name" },
    })
    ws.send(JSON.stringify(["3", "3", "realtime:steady", "phx_join", { access_token: "garbage" }]))
    expect((await frames.next())[4]).toEqual({
      status: "error",
      response: {
        reason: "MalformedJWT: The token provided is not a valid JWT",
      },
    })
    ws.send(
      JSON.stringify([null, "4", "realtime:never-joined", "broadcast", { type: "broadcast" }])
    )
    expect((await frames.next())[4]).toMatchObject({ status: "error" })
    ws.send(JSON.stringify([null, "5", "phoenix", "heartbeat", {}]))
    expect(await frames.next()).toEqual([
      null,
      "5",
      "phoenix",
      "phx_reply",
      { status: "ok", response: {} },
    ])

    // A join with a malformed config falls back to defaults, as Realtime's lenient parsing does.
    ws.send(JSON.stringify(["6", "6", "realtime:steady", "phx_join", { config: "nonsense" }]))
    expect((await frames.next())[4]).toEqual({
      status: "ok",
      response: { postgres_changes: [] },
    })

    await healthy.channel.send({
      type: "broadcast",
      event: "still",
      payload: { ok: true },
    })
    const sender = await realtimeClient(stack)
    clients.push(sender)
    const senderChannel = sender.supabase.channel("steady")
    await subscribe(senderChannel)
    await senderChannel.send({
      type: "broadcast",
      event: "still",
      payload: { ok: true },
    })
    expect(await healthy.inbox.next()).toMatchObject({ event: "still" })
  })

  it("closes only the socket that sends an oversized frame", async () => {
    const healthy = await healthyListener("oversize")
    const { ws, closed } = await rawSocket(stack)
    sockets.push(ws)
    ws.send("x".repeat(2 * 1024 * 1024))
    expect((await closed).code).toBe(1009)

    const sender = await realtimeClient(stack)
    clients.push(sender)
    const channel = sender.supabase.channel("oversize")
    await subscribe(channel)
    await channel.send({ type: "broadcast", event: "after", payload: {} })
    expect(await healthy.inbox.next()).toMatchObject({ event: "after" })
  })

  it("refuses sockets with an invalid API key", async () => {
    await expect(rawSocket(stack, "not-a-key")).rejects.toThrow(/403/)
  })

  it("drops a consumer that stops reading without stalling the others", async () => {
    const healthy = await healthyListener("flood")
    const { ws, frames, closed } = await rawSocket(stack)
    sockets.push(ws)
    ws.send(JSON.stringify(["1", "1", "realtime:flood", "phx_join", {}]))
    expect((await frames.next())[4]).toMatchObject({ status: "ok" })
    ws.pause()

    const sender = await realtimeClient(stack)
    clients.push(sender)
    const channel = sender.supabase.channel("flood")
    await subscribe(channel)
    const chunk = randomBytes(48 * 1024).toString("base64")
    const count = 400
    for (let i = 0; i < count; i++) {
      await channel.send({
        type: "broadcast",
        event: "chunk",
        payload: { i, chunk },
      })
    }
    const last = await healthy.inbox.next((m) => m.payload.i === count - 1)
    expect(last.payload.chunk).toBe(chunk)
    expect(healthy.inbox.items).toHaveLength(count)

    ws.resume()
    const { code, reason } = await closed
    expect(code).toBe(1008)
    expect(reason).toMatch(/slow consumer/)
  })
})

type Storage = { storage: StorageOptions; drop(): Promise<void> }

async function persistentStorage(): Promise<Storage> {
  if (TEST_ENGINE === "pglite") {
    const dataDir = mkdtempSync(path.join(tmpdir(), "lmx-realtime-restart-"))

    return {
      storage: { engine: "pglite", dataDir },
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    }
  }
  const adminUrl = process.env.DATABASE_URL!
  const name = `lmx_rt_restart_${process.pid}_${randomBytes(4).toString("hex")}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`

  return {
    storage: { engine: "postgres", url: url.toString(), poolSize: 5 },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}

describe(`realtime across a server restart (${TEST_ENGINE})`, () => {
  let storage: Storage
  let stack: LocalStack | undefined
  let viewer: RealtimeTestClient | undefined

  const boot = (port: number) =>
    startLocalStack({
      root: PROJECT_ROOT,
      port,
      storage: storage.storage,
      migrationsDir: REALTIME_FIXTURE_MIGRATIONS,
      seedFiles: [],
      services: [realtimeService({ privateOnly: false })],
    })

  beforeAll(async () => {
    storage = await persistentStorage()
  })
  afterAll(async () => {
    await viewer?.close().catch(() => undefined)
    await stack?.stop()
    await storage?.drop()
  })

  it("lets clients reconnect and resubscribe when the stack restarts on the same storage", async () => {
    stack = await boot(0)
    const port = stack.port
    const user = await mintUser(stack)
    viewer = await realtimeClient(stack, user.token, { reconnectAfterMs: 500 })
    const changes = new Inbox<{ new: Record<string, unknown> }>()
    const system = new Inbox<{ extension: string; status: string }>()
    const channel = viewer.supabase
      .channel("restart")
      .on("postgres_changes", { event: "INSERT", schema: "public", table: "notes" }, (p) =>
        changes.push(p as unknown as { new: Record<string, unknown> })
      )
      .on("system", {}, (m: { extension: string; status: string }) => system.push(m))
    await subscribe(channel)
    await system.next((m) => m.extension === "postgres_changes" && m.status === "ok")
    await stack.db.query("insert into public.notes (owner_id, body) values ($1, 'before')", [
      user.id,
    ])
    expect(await changes.next()).toMatchObject({ new: { body: "before" } })

    await stack.stop()
    stack = await boot(port)

    // supabase-js reconnects on its own backoff and rejoins; the server confirms again.
    await system.next((m) => m.extension === "postgres_changes" && m.status === "ok")
    await stack.db.query("insert into public.notes (owner_id, body) values ($1, 'after')", [
      user.id,
    ])
    expect(await changes.next()).toMatchObject({ new: { body: "after" } })
  })
})
