import { randomUUID } from "node:crypto"
import path from "node:path"

import { createClient, type RealtimeChannel, type SupabaseClient } from "@supabase/supabase-js"
import { WebSocket } from "ws"

import { type LocalStack } from "../stack"

/** Helpers for the Realtime suites: clients as an app builds them, and event inboxes. */
export const REALTIME_FIXTURE_MIGRATIONS = path.join(
  import.meta.dirname,
  "../realtime/fixtures/migrations"
)

/** Generous: the machine is shared and noisy; tests wait for events, they never time them. */
export const EVENT_TIMEOUT_MS = 30_000

export type TestUser = { id: string; token: string; email: string }

export async function mintUser(
  stack: Pick<LocalStack, "keys">,
  { expiresInSeconds = 3600, id = randomUUID() }: { expiresInSeconds?: number; id?: string } = {}
): Promise<TestUser> {
  const email = `${id.slice(0, 8)}@example.test`
  const token = await stack.keys.signAccessToken({
    sub: id,
    role: "authenticated",
    aud: "authenticated",
    email,
    exp: Math.floor(Date.now() / 1000) + expiresInSeconds,
  })

  return { id, token, email }
}

export type RealtimeTestClient = {
  supabase: SupabaseClient
  /** Changes the token the client hands to Realtime (what a session refresh does). */
  setToken(token: string): Promise<void>
  close(): Promise<void>
}

/**
 * A supabase-js client as the app creates one, with the token supplied through the
 * `accessToken` option so supabase-js keeps handing Realtime that token (Node 20 has no global
 * WebSocket, so the `ws` package is the transport).
 */
export async function realtimeClient(
  stack: Pick<LocalStack, "url" | "keys">,
  token?: string,
  { vsn, reconnectAfterMs }: { vsn?: "1.0.0" | "2.0.0"; reconnectAfterMs?: number } = {}
): Promise<RealtimeTestClient> {
  let current = token ?? stack.keys.anonKey
  const supabase = createClient(stack.url, stack.keys.anonKey, {
    accessToken: async () => current,
    realtime: {
      // realtime-js types its transport as the DOM WebSocket constructor; ws is compatible.
      transport: WebSocket as unknown as typeof globalThis.WebSocket,
      ...(vsn ? { vsn } : {}),
      ...(reconnectAfterMs ? { reconnectAfterMs: () => reconnectAfterMs } : {}),
    },
  })
  // supabase-js hands the token over asynchronously; a join sent before that would go out with
  // the anon key, so wait for it as an app does before subscribing.
  await supabase.realtime.setAuth(current)

  return {
    supabase,
    async setToken(next) {
      current = next
      await supabase.realtime.setAuth(next)
    },
    async close() {
      await supabase.removeAllChannels()
      await supabase.realtime.disconnect()
    },
  }
}

/** Subscribes and resolves once Realtime confirms; rejects with the server's reason. */
export function subscribe(channel: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === "SUBSCRIBED") resolve()
      else if (status === "CHANNEL_ERROR") reject(error ?? new Error("CHANNEL_ERROR"))
      else if (status === "TIMED_OUT") reject(new Error("TIMED_OUT"))
    }, EVENT_TIMEOUT_MS)
  })
}

/** Collects events in arrival order; `next` waits for the first unread one matching. */
export class Inbox<T> {
  readonly items: T[] = []
  private readonly waiters: {
    match: (item: T) => boolean
    resolve: (item: T) => void
  }[] = []
  private read = new Set<T>()

  push = (item: T) => {
    this.items.push(item)
    for (const waiter of [...this.waiters]) {
      if (waiter.match(item) && !this.read.has(item)) {
        this.read.add(item)
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        waiter.resolve(item)
        return
      }
    }
  }

  next(match: (item: T) => boolean = () => true, label = "an event"): Promise<T> {
    const found = this.items.find((item) => !this.read.has(item) && match(item))
    if (found) {
      this.read.add(found)
      return Promise.resolve(found)
    }

    return new Promise((resolve, reject) => {
      const waiter = { match, resolve }
      this.waiters.push(waiter)
      setTimeout(() => {
        const index = this.waiters.indexOf(waiter)
        if (index >= 0) {
          this.waiters.splice(index, 1)
          reject(new Error(`no ${label} arrived within ${EVENT_TIMEOUT_MS} ms`))
        }
      }, EVENT_TIMEOUT_MS).unref()
    })
  }
}
