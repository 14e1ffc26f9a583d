// `npm run bench:chat`: the chat relay (issue #18) on the local stack over Postgres, with the
// relay agent (`npm run device -- serve`'s runServe) in this process, the stand-in for LM
// Studio (agent/relay/stand-in-llm-server.ts) as the LLM server, and a supabase-js "browser"
// that sends and listens exactly as the /chat page does (components/chat/use-chat-relay.ts:
// HTTP broadcast to "device:<id>", its reply topic joined privately).
//   1. Relay overhead on time to first token: console send → first chunk heard, minus the
//      server's own time to first token measured by calling it directly in the same run
//      (target p95 < 100 ms).
//   2. Throughput through the relay: one long answer, every chunk in seq order and the text
//      whole (target ≥ 500 tokens/s); yardstick: the same answer read straight from the server.
//   3. The final message in cloud_messages, heard by a second browser subscribed as the session
//      page is, after its last token (target < 250 ms); yardstick: sync_push alone.
//   4. With --browser: Send → first chunk rendered in Chromium on /chat, minus the server's own
//      time to first token (scripts/bench/chat-browser.ts; needs `tsx scripts/e2e-server.ts`).
//   DATABASE_URL=postgres://… npm run bench:chat [-- ROUNDS] [--browser]   (default 40)
import { randomUUID } from "node:crypto"
import os from "node:os"

import { mintUser, subscribe } from "@lmx/supabase-local/testing/realtime"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { streamChatCompletion } from "../../agent/relay/openai-client"
import { runServe } from "../../agent/relay/serve"
import {
  STAND_IN_MODELS,
  standInTokens,
  startStandInLlmServer,
} from "../../agent/relay/stand-in-llm-server"
import { messageItem, sessionItem, type ChatMessage } from "../../lib/chat/chat-sync"
import {
  RELAY_EVENTS,
  relayChunkSchema,
  relayDoneSchema,
  replyTopic,
  requestTopic,
} from "../../lib/chat/relay-protocol"
import { type Database } from "../../lib/database.types"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const ARGS = process.argv.slice(2)
const ROUNDS = Number(ARGS.find((arg) => /^\d+$/.test(arg)) ?? 40)
const BROWSER = ARGS.includes("--browser")
const BROWSER_ONLY = ARGS.includes("--browser-only")
const LONG_TOKENS = 5000
const SERVER_TTFT_MS = 30

type Heard = { event: string; payload: Record<string, unknown>; at: number }

async function main() {
  process.env.LMX_TEST_ENGINE = "postgres"
  process.env.DATABASE_URL ||= "postgres://lmx_ci:lmx_ci@127.0.0.1:5432/lmx_dev"
  const { startTestStack } = await import("@lmx/supabase-local/testing/test-stack")
  const stack = await startTestStack()
  const llm = await startStandInLlmServer({
    tokenDelayMs: 0,
    firstTokenDelayMs: SERVER_TTFT_MS,
  })
  const stop = new AbortController()
  const clients: SupabaseClient<Database>[] = []
  let served: Promise<number> | null = null
  try {
    const user = await mintUser(stack)
    const deviceId = randomUUID()
    await stack.db.exec(`
      insert into auth.users (id, email, aud, role, email_confirmed_at)
        values ('${user.id}', '${user.email}', 'authenticated', 'authenticated', now());
      insert into public.devices (id, user_id, name, role, paired_at, last_seen_at)
        values ('${deviceId}', '${user.id}', 'bench host', 'llm_host', now(), now());
    `)
    const token = await stack.keys.signAccessToken({
      sub: user.id,
      role: "authenticated",
      aud: "authenticated",
      device_id: deviceId,
      exp: Math.floor(Date.now() / 1000) + 3600,
    })
    let listening: () => void = () => undefined
    const live = new Promise<void>((resolve) => (listening = resolve))
    served = runServe({
      api: {
        session: async () => ({
          device_id: deviceId,
          lan_port: llm.port,
          relay_enabled: false,
          realtime: { url: stack.url, anon_key: stack.keys.anonKey, token, expires_in: 3600 },
        }),
      },
      log: (line) => {
        if (line.startsWith("Listening")) listening()
      },
      error: (line) => console.error(line),
      signal: stop.signal,
    })
    await live

    const client = () => {
      const created = createClient<Database>(stack.url, stack.keys.anonKey, {
        accessToken: async () => user.token,
        realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
      })
      clients.push(created)
      return created
    }
    const browser = client()
    await browser.realtime.setAuth(user.token)
    const heard: Heard[] = []
    let wake: (() => void) | null = null
    const replies = browser.channel(replyTopic(deviceId, user.id), { config: { private: true } })
    for (const event of [RELAY_EVENTS.chunk, RELAY_EVENTS.done, RELAY_EVENTS.error]) {
      replies.on("broadcast", { event }, ({ payload }) => {
        heard.push({ event, payload: payload as Record<string, unknown>, at: performance.now() })
        wake?.()
      })
    }
    await subscribe(replies)
    const sender = browser.channel(requestTopic(deviceId), { config: { private: true } })
    const until = async (match: (item: Heard) => boolean) => {
      const deadline = performance.now() + 30_000
      for (;;) {
        const found = heard.find(match)
        if (found) return found
        if (performance.now() > deadline) throw new Error("no answer within 30 s")
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 100)
        })
      }
    }
    const ask = async (content: string, maxTokens: number) => {
      const requestId = randomUUID()
      const sent = performance.now()
      await sender.httpSend(RELAY_EVENTS.request, {
        request_id: requestId,
        reply_to: user.id,
        kind: "chat",
        model: STAND_IN_MODELS.echo,
        messages: [{ role: "user", content }],
        options: { max_tokens: maxTokens },
      })
      const first = await until(
        (item) => item.event === RELAY_EVENTS.chunk && item.payload.request_id === requestId
      )
      const end = await until(
        (item) =>
          (item.event === RELAY_EVENTS.done || item.event === RELAY_EVENTS.error) &&
          item.payload.request_id === requestId
      )
      if (end.event !== RELAY_EVENTS.done) throw new Error(JSON.stringify(end.payload))
      const chunks = heard
        .filter(
          (item) => item.event === RELAY_EVENTS.chunk && item.payload.request_id === requestId
        )
        .map((item) => ({ ...relayChunkSchema.parse(item.payload), at: item.at }))

      return { sent, first: first.at, end, chunks }
    }
    const direct = async (content: string, maxTokens: number) => {
      const started = performance.now()
      let first = 0
      let last = 0
      let tokens = 0
      for await (const event of streamChatCompletion(llm.url, {
        model: STAND_IN_MODELS.echo,
        messages: [{ role: "user", content }],
        max_tokens: maxTokens,
      })) {
        if (event.type !== "delta") continue
        tokens += 1
        last = performance.now()
        if (!first) first = last
      }
      return { ttft: first - started, tokensPerSecond: tokens / ((last - first) / 1000) }
    }

    // 1. Time to first token, relayed and direct, alternating so load hits both alike.
    await ask("warm up", 8)
    await direct("warm up", 8)
    const relayed: number[] = []
    const straight: number[] = []
    for (let round = 0; round < ROUNDS; round += 1) {
      const answer = await ask(`question ${round}`, 8)
      relayed.push(answer.first - answer.sent)
      straight.push((await direct(`question ${round}`, 8)).ttft)
    }
    const serverTtft = median(straight)
    const overhead = relayed.map((ms) => ms - serverTtft)
    console.log(
      `TTFT over ${ROUNDS} rounds: relayed p50 ${formatMs(median(relayed))}, p95 ${formatMs(percentile(relayed, 95))}; direct p50 ${formatMs(serverTtft)}, p95 ${formatMs(percentile(straight, 95))}`
    )
    record({
      name: "chat.relay_ttft_overhead_p95",
      label: "relay overhead on time to first token, p95",
      value: percentile(overhead, 95),
      unit: "ms",
      yardstick: percentile(straight, 95),
      target: "p95 < 100 ms",
      check: (value) => value < 100,
    })

    // 2. Throughput: one long answer through the relay, whole and in order.
    const long = await ask("a long answer", LONG_TOKENS)
    const text = long.chunks.map((chunk) => chunk.content).join("")
    const inOrder = long.chunks.every((chunk, index) => chunk.seq === index)
    const whole = text === standInTokens("a long answer", LONG_TOKENS).join("")
    const gaps = long.chunks.slice(1).map((chunk, i) => chunk.at - long.chunks[i]!.at)
    const seconds = (long.chunks.at(-1)!.at - long.chunks[0]!.at) / 1000
    const directLong = await direct("a long answer", LONG_TOKENS)
    console.log(
      `Long answer: ${LONG_TOKENS} tokens in ${long.chunks.length} batches over ${seconds.toFixed(2)} s; in order: ${inOrder}; text whole: ${whole}; gap between batches p50 ${formatMs(median(gaps))}, p95 ${formatMs(percentile(gaps, 95))}`
    )
    record({
      name: "chat.relay_tokens_per_second",
      label: "tokens/s through the relay (whole, in order)",
      value: inOrder && whole ? LONG_TOKENS / Math.max(seconds, 0.001) : 0,
      unit: "tokens/s",
      yardstick: directLong.tokensPerSecond,
      target: "≥ 500 tokens/s",
      check: (value) => value >= 500,
    })

    // 3. The final message reaches a second browser's session channel after its last token.
    const writer = client()
    const sessionId = randomUUID()
    const now = () => new Date().toISOString()
    const session = {
      id: sessionId,
      title: "Bench chat",
      model: STAND_IN_MODELS.echo,
      created_at: now(),
      device_id: deviceId,
      options: {},
      version: 1,
    }
    {
      const { error } = await writer.rpc("sync_push", {
        batch: { sessions: [sessionItem(session, now())], messages: [] },
      })
      if (error) throw new Error(error.message)
    }
    const reader = client()
    await reader.realtime.setAuth(user.token)
    const heardFinal = new Map<string, number>()
    const sessionChannel = reader.channel(`session:${sessionId}`, { config: { private: true } }).on(
      "postgres_changes",
      {
        event: "*",
        schema: "public",
        table: "cloud_messages",
        filter: `session_id=eq.${sessionId}`,
      },
      (payload) => {
        const row = payload.new as { id?: string; output_tokens?: number }
        if (row.id && row.output_tokens) heardFinal.set(row.id, performance.now())
      }
    )
    await subscribe(sessionChannel)
    const visible: number[] = []
    const pushOnly: number[] = []
    for (let round = 0; round < Math.min(ROUNDS, 30); round += 1) {
      const answer = await ask(`saved ${round}`, 40)
      const done = relayDoneSchema.parse(answer.end.payload)
      const lastToken = answer.chunks.at(-1)!.at
      const message: ChatMessage = {
        id: randomUUID(),
        parent_id: null,
        message_index: round,
        role: "assistant",
        content: answer.chunks.map((chunk) => chunk.content).join(""),
        reasoning: "",
        model: STAND_IN_MODELS.echo,
        created_at: now(),
        input_tokens: done.usage.input_tokens,
        output_tokens: done.usage.output_tokens,
        tokens_per_second: done.usage.tokens_per_second,
        time_to_first_token_ms: done.usage.time_to_first_token_ms,
        version: 2,
      }
      const pushed = performance.now()
      const { error } = await writer.rpc("sync_push", {
        batch: { sessions: [], messages: [messageItem(sessionId, message, now())] },
      })
      if (error) throw new Error(error.message)
      pushOnly.push(performance.now() - pushed)
      const deadline = performance.now() + 10_000
      while (!heardFinal.has(message.id) && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      if (heardFinal.has(message.id)) visible.push(heardFinal.get(message.id)! - lastToken)
    }
    console.log(
      `Final message heard by a second browser: ${visible.length} of ${Math.min(ROUNDS, 30)}; p50 ${formatMs(median(visible))}, p95 ${formatMs(percentile(visible, 95))}; sync_push alone p50 ${formatMs(median(pushOnly))}`
    )
    record({
      name: "chat.message_visible_after_last_token_p95",
      label: "last token → message heard in cloud_messages by a second browser, p95",
      value: percentile(visible, 95),
      unit: "ms",
      yardstick: percentile(pushOnly, 95),
      target: "p95 < 250 ms",
      check: (value) => value < 250,
    })
    console.log(`Load average (1 min): ${os.loadavg()[0]!.toFixed(1)}`)
  } finally {
    stop.abort()
    await served?.catch(() => 0)
    for (const created of clients) {
      await created.removeAllChannels()
      created.realtime.disconnect()
    }
    await llm.close()
    await stack.stop()
  }
}

if (!BROWSER_ONLY) await main()
if (BROWSER || BROWSER_ONLY) {
  const { benchChatInBrowser } = await import("./chat-browser")
  await benchChatInBrowser(Math.min(ROUNDS, 30), SERVER_TTFT_MS)
}
