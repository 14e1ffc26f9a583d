// `npm run bench:chat -- --browser`: the relay's overhead on time to first token as the user
// sees it (issue #18): from the Send click in Chromium to the first chunk rendered on /chat,
// minus the LLM server's own time to first token measured straight from it in the same run.
// It runs against the production build that `tsx scripts/e2e-server.ts` serves (start it
// first, with the same E2E_APP_PORT / E2E_STACK_PORT), as the seeded demo user talking to the
// demo host "Studio Mac" through an in-process relay (`serve`'s runServe, authenticated by the
// app's own relay session route) to the stand-in for LM Studio.
// It also prints where the milliseconds go, stage by stage (epoch clocks of the page and of
// this process, the same machine): Send → the page's relay request (HTTP broadcast) and its
// sync_push writes, → the agent hearing the request, → its call to the LLM server, → the first
// chunk sent, → the page's socket receiving it, → rendered.
import { existsSync } from "node:fs"
import os from "node:os"

import { chromium } from "@playwright/test"

import { createRelayApi } from "../../agent/relay/api"
import { joinRelayChannels } from "../../agent/relay/channel"
import { streamChatCompletion } from "../../agent/relay/openai-client"
import { runServe } from "../../agent/relay/serve"
import { STAND_IN_MODELS, startStandInLlmServer } from "../../agent/relay/stand-in-llm-server"
import { DEMO_USER } from "../../e2e/fixtures/auth"
import { DEMO_USER_ID, serviceRoleClient, STUDIO_MAC } from "../../e2e/fixtures/relay"
import { sessionCookiesFor } from "../../e2e/fixtures/session"
import { E2E_APP_URL } from "../../e2e/fixtures/urls"
import { RELAY_EVENTS } from "../../lib/chat/relay-protocol"
import { DEMO_DEVICE_SECRET } from "../dev-demo-heartbeat"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

// Before any page script: the page's fetches to sync_push and to Realtime's HTTP broadcast,
// and the socket frames that carry a relay chunk, with epoch times.
const TRACE = `(function () {
  var now = function () { return performance.timeOrigin + performance.now() }
  window.__trace = []
  var originalFetch = window.fetch
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
    var kind = url.indexOf("/rpc/sync_push") >= 0 ? "push"
      : url.indexOf("/api/broadcast") >= 0 ? "broadcast" : null
    var result = originalFetch.apply(this, arguments)
    if (!kind) return result
    var entry = { kind: kind, start: now(), end: 0 }
    window.__trace.push(entry)
    return result.then(function (response) { entry.end = now(); return response })
  }
  var Original = window.WebSocket
  var decoder = new TextDecoder()
  window.WebSocket = function (url, protocols) {
    var socket = protocols === undefined ? new Original(url) : new Original(url, protocols)
    socket.addEventListener("message", function (event) {
      var at = now()
      var text = typeof event.data === "string" ? event.data
        : event.data instanceof ArrayBuffer ? decoder.decode(event.data) : ""
      if (text.indexOf("${RELAY_EVENTS.chunk}") >= 0) window.__trace.push({ kind: "chunk", start: at, end: at })
    })
    return socket
  }
  window.WebSocket.prototype = Original.prototype
  for (var key of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) window.WebSocket[key] = Original[key]
})()`

const INSTRUMENT = `function (q) {
  window.__bench = { sent: 0, shown: 0, sentAt: 0, shownAt: 0 }
  var list = document.querySelector('[aria-label="Conversation"]') || document.body
  var observer = new MutationObserver(function () {
    if (!window.__bench.shown && (list.textContent || "").indexOf("You said: " + q) >= 0) {
      window.__bench.shown = performance.now()
      window.__bench.shownAt = performance.timeOrigin + window.__bench.shown
      observer.disconnect()
    }
  })
  observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  var onClick = function (event) {
    var button = event.target && event.target.closest && event.target.closest("button")
    if (!button || (button.textContent || "").trim() !== "Send") return
    window.__bench.sent = performance.now()
    window.__bench.sentAt = performance.timeOrigin + window.__bench.sent
    document.removeEventListener("click", onClick, true)
  }
  document.addEventListener("click", onClick, true)
}`

export async function benchChatInBrowser(rounds: number, serverTtftMs: number) {
  const began = new Date().toISOString()
  const llm = await startStandInLlmServer({ tokenDelayMs: 0, firstTokenDelayMs: serverTtftMs })
  const stop = new AbortController()
  let listening: () => void = () => undefined
  const live = new Promise<void>((resolve) => (listening = resolve))
  // The agent's side of the current round, in epoch ms.
  let agent: { heard: number; asked: number; firstChunk: number } = {
    heard: 0,
    asked: 0,
    firstChunk: 0,
  }
  const epoch = () => performance.timeOrigin + performance.now()
  const served = runServe({
    api: createRelayApi({ server: E2E_APP_URL, secret: DEMO_DEVICE_SECRET }),
    port: llm.port,
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith("/v1/chat/completions")) {
        agent.asked ||= epoch()
      }
      return fetch(input, init)
    },
    join: (session, events) => {
      const channels = joinRelayChannels(session, {
        ...events,
        onRequest: (payload) => {
          const kind = (payload as { kind?: unknown } | null)?.kind
          if (kind === "chat") agent.heard ||= epoch()
          events.onRequest(payload)
        },
      })
      return {
        ...channels,
        send: (user, event, payload) => {
          if (event === RELAY_EVENTS.chunk && payload.seq === 0) agent.firstChunk ||= epoch()
          channels.send(user, event, payload)
        },
      }
    },
    log: (line) => {
      if (line.startsWith("Listening")) listening()
    },
    error: (line) => console.error(line),
    signal: stop.signal,
  })
  await live
  // As playwright.config.ts: Debian's chromium where Playwright's cannot be downloaded.
  const browser = await chromium.launch({
    executablePath:
      process.env.PLAYWRIGHT_CHROMIUM_PATH ??
      (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined),
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  })
  try {
    const context = await browser.newContext({ baseURL: E2E_APP_URL })
    await context.addInitScript(TRACE)
    await context.addCookies(await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password))
    const page = await context.newPage()
    await page.goto("/chat")
    await page.getByLabel("Device").selectOption(STUDIO_MAC)
    await page.getByText("Live", { exact: true }).waitFor()
    await page.getByRole("button", { name: "Ask the host" }).click()
    await page.getByText(/models? loaded/).waitFor()
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.echo)

    const direct = async () => {
      const started = performance.now()
      for await (const event of streamChatCompletion(llm.url, {
        model: STAND_IN_MODELS.echo,
        messages: [{ role: "user", content: "direct" }],
        max_tokens: 8,
      })) {
        if (event.type === "delta") return performance.now() - started
      }
      throw new Error("the stand-in sent no token")
    }
    const rendered: number[] = []
    const straight: number[] = []
    const stages: Record<string, number[]> = {}
    const stage = (name: string, ms: number) => (stages[name] ??= []).push(ms)
    // Send → rendered, by whether the last turn's final write was still running at Send.
    const busy: number[] = []
    const quiet: number[] = []
    for (let round = -2; round < rounds; round += 1) {
      const question = `bench question ${round} ${Date.now()}`
      await page.getByLabel("Message").fill(question)
      // Timed inside the page: the click's timestamp to the first mutation that shows the
      // answer's first chunk ("You said: <question>", the stand-in's first token).
      // Plain JavaScript: tsx would wrap named functions in a helper the page lacks.
      await page.evaluate(`(${INSTRUMENT})(${JSON.stringify(question)})`)
      agent = { heard: 0, asked: 0, firstChunk: 0 }
      await page.getByRole("button", { name: "Send" }).click()
      await page.waitForFunction(
        () => (window as unknown as { __bench?: { shown: number } }).__bench?.shown
      )
      const { sent, shown, sentAt, shownAt, trace } = await page.evaluate(() => {
        const page = window as unknown as {
          __bench: { sent: number; shown: number; sentAt: number; shownAt: number }
          __trace: { kind: string; start: number; end: number }[]
        }
        return { ...page.__bench, trace: [...page.__trace] }
      })
      await page.getByRole("button", { name: "Send" }).waitFor()
      await page.getByRole("button", { name: "Stop" }).waitFor({ state: "detached" })
      const serverOwn = await direct()
      if (round < 0) continue // warm-up
      rendered.push(shown - sent)
      straight.push(serverOwn)
      const since = trace.filter((entry) => entry.start >= sentAt)
      const broadcast = since.find((entry) => entry.kind === "broadcast")
      const chunk = since.find((entry) => entry.kind === "chunk")
      const pushes = since.filter((entry) => entry.kind === "push" && entry.start < shownAt)
      // The last turn's final write, still running when this one was sent.
      const overlapping = trace.filter(
        (entry) =>
          entry.kind === "push" && entry.start < sentAt && !(entry.end && entry.end < sentAt)
      )
      if (broadcast) {
        stage("Send → relay request posted", broadcast.start - sentAt)
        stage("relay request posted → answered (202)", broadcast.end - broadcast.start)
        stage("relay request posted → agent heard it", agent.heard - broadcast.start)
      }
      stage("agent heard → asked the LLM server", agent.asked - agent.heard)
      stage("asked the LLM server → first chunk sent", agent.firstChunk - agent.asked)
      if (chunk) {
        stage("first chunk sent → page's socket got it", chunk.start - agent.firstChunk)
        stage("page's socket got it → rendered", shownAt - chunk.start)
      }
      stage("sync_push calls started before the render", pushes.length)
      stage("sync_push calls still running at Send", overlapping.length)
      ;(overlapping.length > 0 ? busy : quiet).push(shown - sent)
      if (pushes[0]) stage("Send → first sync_push started", pushes[0].start - sentAt)
    }
    console.log("Where the time goes (per round, p50 / p95):")
    for (const [name, samples] of Object.entries(stages)) {
      const count = name.startsWith("sync_push calls")
      const show = (value: number) => (count ? value.toFixed(0) : formatMs(value))
      console.log(
        `  ${name.padEnd(46)} ${show(median(samples))} / ${show(percentile(samples, 95))}`
      )
    }
    const serverTtft = median(straight)
    for (const [label, samples] of [
      ["with the last turn's write running", busy],
      ["with no write running", quiet],
    ] as const) {
      if (samples.length === 0) continue
      console.log(
        `  overhead, ${samples.length} rounds ${label}: p50 ${formatMs(median(samples) - serverTtft)}, p95 ${formatMs(percentile(samples, 95) - serverTtft)}`
      )
    }
    const overhead = rendered.map((ms) => ms - serverTtft)
    console.log(
      `Send → first chunk rendered in Chromium over ${rounds} rounds: p50 ${formatMs(median(rendered))}, p95 ${formatMs(percentile(rendered, 95))}; server's own TTFT p50 ${formatMs(serverTtft)}, p95 ${formatMs(percentile(straight, 95))}; overhead p50 ${formatMs(median(overhead))}, p95 ${formatMs(percentile(overhead, 95))}`
    )
    record({
      name: "chat.relay_ttft_rendered_overhead_p95",
      label: "relay overhead, Send → first chunk rendered in Chromium, minus server TTFT, p95",
      value: percentile(overhead, 95),
      unit: "ms",
      yardstick: percentile(straight, 95),
      target: "p95 < 100 ms",
      check: (value) => value < 100,
    })
    console.log(`Load average (1 min) after the browser phase: ${os.loadavg()[0]!.toFixed(1)}`)
  } finally {
    await browser.close()
    stop.abort()
    await served.catch(() => 0)
    await llm.close()
    // Other specs count the demo's seeded sessions exactly.
    await serviceRoleClient()
      .from("cloud_sessions")
      .delete()
      .eq("user_id", DEMO_USER_ID)
      .gte("created_at", began)
  }
}
