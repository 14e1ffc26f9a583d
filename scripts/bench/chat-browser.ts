// `npm run bench:chat -- --browser`: the relay's overhead on time to first token as the user
// sees it (issue #18): from the Send click in Chromium to the first chunk rendered on /chat,
// minus the LLM server's own time to first token measured straight from it in the same run.
// It runs against the production build that `tsx scripts/e2e-server.ts` serves (start it
// first, with the same E2E_APP_PORT / E2E_STACK_PORT), as the seeded demo user talking to the
// demo host "Studio Mac" through an in-process relay (`serve`'s runServe, authenticated by the
// app's own relay session route) to the stand-in for LM Studio.
import { existsSync } from "node:fs"
import os from "node:os"

import { chromium } from "@playwright/test"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { createRelayApi } from "../../agent/relay/api"
import { streamChatCompletion } from "../../agent/relay/openai-client"
import { runServe } from "../../agent/relay/serve"
import { STAND_IN_MODELS, startStandInLlmServer } from "../../agent/relay/stand-in-llm-server"
import { DEMO_USER, readStackState } from "../../e2e/fixtures/auth"
import { sessionCookiesFor } from "../../e2e/fixtures/session"
import { E2E_APP_URL } from "../../e2e/fixtures/urls"
import { type Database } from "../../lib/database.types"
import { DEMO_DEVICE_SECRET } from "../dev-demo-heartbeat"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"
const DEMO_USER_ID = "00000000-0000-4000-a000-000000000001"

const INSTRUMENT = `function (q) {
  window.__bench = { sent: 0, shown: 0 }
  var list = document.querySelector('[aria-label="Conversation"]') || document.body
  var observer = new MutationObserver(function () {
    if (!window.__bench.shown && (list.textContent || "").indexOf("You said: " + q) >= 0) {
      window.__bench.shown = performance.now()
      observer.disconnect()
    }
  })
  observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  var onClick = function (event) {
    var button = event.target && event.target.closest && event.target.closest("button")
    if (!button || (button.textContent || "").trim() !== "Send") return
    window.__bench.sent = performance.now()
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
  const served = runServe({
    api: createRelayApi({ server: E2E_APP_URL, secret: DEMO_DEVICE_SECRET }),
    port: llm.port,
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
    for (let round = -2; round < rounds; round += 1) {
      const question = `bench question ${round} ${Date.now()}`
      await page.getByLabel("Message").fill(question)
      // Timed inside the page: the click's timestamp to the first mutation that shows the
      // answer's first chunk ("You said: <question>", the stand-in's first token).
      // Plain JavaScript: tsx would wrap named functions in a helper the page lacks.
      await page.evaluate(`(${INSTRUMENT})(${JSON.stringify(question)})`)
      await page.getByRole("button", { name: "Send" }).click()
      await page.waitForFunction(
        () => (window as unknown as { __bench?: { shown: number } }).__bench?.shown
      )
      const { sent, shown } = await page.evaluate(
        () => (window as unknown as { __bench: { sent: number; shown: number } }).__bench
      )
      await page.getByRole("button", { name: "Send" }).waitFor()
      await page.getByRole("button", { name: "Stop" }).waitFor({ state: "detached" })
      const serverOwn = await direct()
      if (round < 0) continue // warm-up
      rendered.push(shown - sent)
      straight.push(serverOwn)
    }
    const serverTtft = median(straight)
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
    const stack = readStackState()
    const admin = createClient<Database>(stack.url, stack.serviceRoleKey, {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
    })
    await admin.from("cloud_sessions").delete().eq("user_id", DEMO_USER_ID).gte("created_at", began)
  }
}
