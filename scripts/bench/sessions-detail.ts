// `npm run bench:sessions:detail`: the session page for a session of 5,000 messages, on
// Postgres. Prints the server response time of /sessions/<id> (the whole HTML: the header and
// the first page of messages, and its first bytes, median and p95, fetched with the user's
// session cookie as a browser would); same-run yardsticks: the raw SQL of the same read (the
// session row and the first page, as the signed-in user under RLS, straight over a Postgres
// connection) and of all 5,000 messages; and the browser's read of the whole conversation
// after the first paint (keyset pages through the REST API). Then, when Chromium is there,
// the first contentful paint in Chromium and when the first message is on screen (medians of
// several loads).
//   DATABASE_URL=postgres://… npm run bench:sessions:detail [-- --requests 40] [-- --build]
// It serves the production build in .next (from an e2e run on the same E2E_* ports; --build
// builds it first) against a local stack on a throwaway Postgres database.
import pg from "pg"

import { E2E_APP_URL } from "../../e2e/fixtures/urls"
import {
  FIRST_PAGE,
  getSessionThreadPage,
  MESSAGE_BATCH,
  MESSAGE_COLUMNS,
  SESSION_COLUMNS,
  type MessageCursor,
} from "../../lib/sessions/session-queries"
import { pageBenchArgs, startPageBench } from "./page-timing"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const MESSAGES = 5000
const args = pageBenchArgs()
const REQUESTS = args.requests
const PAINTS = args.paints

/** A realistic long chat: questions, answers with code and tables, usage on every answer. */
function messageRows(sessionId: string, userId: string) {
  const rows = []
  for (let k = 0; k < MESSAGES; k++) {
    const assistant = k % 2 === 1
    rows.push({
      id: crypto.randomUUID(),
      session_id: sessionId,
      user_id: userId,
      message_index: k,
      role: assistant ? "assistant" : "user",
      content: assistant
        ? k % 10 === 1
          ? `Here is step ${k}:\n\n\`\`\`ts\nexport function step${k}(input: string) {\n  return input.trim().split("\\n").length\n}\n\`\`\`\n\nIt counts the lines once.`
          : k % 10 === 5
            ? `| Stage | Time |\n| --- | ---: |\n| read | ${k % 97} ms |\n| push | ${k % 53} ms |`
            : `Answer ${k}: the importer keeps the client's id and derives the cloud id from it, so a re-sync is a no-op. **Nothing** is pushed twice.`
        : `Question ${k}: why does the sync push anything when nothing changed?`,
      model: assistant ? "qwen3-coder-30b-a3b" : null,
      input_tokens: assistant ? 900 + (k % 400) : 0,
      output_tokens: assistant ? 120 + (k % 300) : 0,
      cached_tokens: assistant ? 600 : 0,
      tokens_per_second: assistant ? 40 + (k % 30) : null,
      time_to_first_token_ms: assistant ? 200 + (k % 200) : null,
      created_at: new Date(Date.now() - (MESSAGES - k) * 30_000).toISOString(),
    })
  }
  for (let k = 1; k < rows.length; k++) Object.assign(rows[k]!, { parent_id: rows[k - 1]!.id })

  return rows
}

// A message's cost is a computed field (public.cost_usd(m), since cost by price version): REST
// reads it as the function of the row, and so does the raw yardstick.
const RAW_MESSAGE_COLUMNS = MESSAGE_COLUMNS.split(", ")
  .map((column) => (column === "cost_usd" ? "m.cost_usd as cost_usd" : column))
  .join(", ")

async function main() {
  // The user, signed in as a browser would be, and their 5,000-message session.
  const bench = await startPageBench({
    databasePrefix: "lmx_bench_session",
    userPrefix: "bench-session",
    build: args.build,
  })
  try {
    const { user, userId } = bench
    const session = await user
      .from("cloud_sessions")
      .insert({
        user_id: userId,
        title: "Bench: a 5,000-message session",
        model: "qwen3-coder-30b-a3b",
      })
      .select("id")
      .single()
    if (session.error) throw session.error
    const sessionId = session.data.id
    const rows = messageRows(sessionId, userId)
    // In requests of 250: under load, 1,000 rows with the per-row write triggers can outlast
    // the authenticated role's statement_timeout.
    for (let start = 0; start < rows.length; start += 250) {
      const inserted = await user.from("cloud_messages").insert(rows.slice(start, start + 250))
      if (inserted.error) throw inserted.error
    }

    // Yardstick: the same route for a session of one short message. Same proxy, layout,
    // sign-in and reads; what it does not pay is the first page's rendering and payload.
    const small = await user
      .from("cloud_sessions")
      .insert({
        user_id: userId,
        title: "Bench: a one-message session",
        model: "qwen3-coder-30b-a3b",
      })
      .select("id")
      .single()
    if (small.error) throw small.error
    const smallInserted = await user.from("cloud_messages").insert({
      session_id: small.data.id,
      user_id: userId,
      message_index: 0,
      role: "user",
      content: "One question.",
    })
    if (smallInserted.error) throw smallInserted.error

    await bench.startNext()
    const url = `${E2E_APP_URL}/sessions/${sessionId}`
    const smallUrl = `${E2E_APP_URL}/sessions/${small.data.id}`

    // Yardstick: the same read as raw SQL, as this user under RLS, over one connection.
    const sql = new pg.Client({ connectionString: bench.databaseUrl })
    // If a step fails, stop() drops the database under this connection: that is expected then,
    // and must not crash the process before the step's own error is printed.
    sql.on("error", () => undefined)
    await sql.connect()
    const claims = JSON.stringify({ sub: userId, role: "authenticated" })
    const rawRead = async (limit: number | null) => {
      const started = performance.now()
      await sql.query("begin")
      await sql.query("set local role authenticated")
      await sql.query("select set_config('request.jwt.claims', $1, true)", [claims])
      await sql.query(
        `select ${SESSION_COLUMNS} from public.cloud_sessions where id = $1 and deleted_at is null`,
        [sessionId]
      )
      const { rowCount } = await sql.query(
        `select ${RAW_MESSAGE_COLUMNS} from public.cloud_messages m where session_id = $1 order by message_index, id limit $2`,
        [sessionId, limit]
      )
      await sql.query("commit")
      if (rowCount !== (limit ?? MESSAGES)) throw new Error(`raw read saw ${rowCount} messages`)

      return performance.now() - started
    }

    // The header and the first page of messages; the browser reads the rest after paint.
    const timePage = () => bench.timePage(url, "Bench: a 5,000-message session")
    const timeSmallPage = () => bench.timePage(smallUrl, "Bench: a one-message session")

    // The whole conversation as the browser reads it after the first paint: the first page,
    // then keyset pages one after another through the REST API.
    const readThread = async () => {
      const started = performance.now()
      let after: MessageCursor | null = null
      let read = 0
      do {
        const page = await getSessionThreadPage(user, {
          sessionId,
          after,
          limit: after ? MESSAGE_BATCH : FIRST_PAGE,
        })
        read += page.messages.length
        after = page.next
      } while (after)
      if (read !== MESSAGES) throw new Error("the thread read came back short")

      return performance.now() - started
    }
    const page: number[] = []
    const first: number[] = []
    const threads: number[] = []
    const raw: number[] = []
    const rawFirst: number[] = []
    const smallPage: number[] = []
    for (let i = 0; i < 5; i++) {
      await timePage()
      await timeSmallPage()
      await readThread()
      await rawRead(null)
      await rawRead(FIRST_PAGE)
    }
    let bytes = 0
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < REQUESTS; i++) {
      const timed = await timePage()
      page.push(timed.total)
      first.push(timed.firstChunk)
      bytes = timed.bytes
      smallPage.push((await timeSmallPage()).total)
      threads.push(await readThread())
      raw.push(await rawRead(null))
      rawFirst.push(await rawRead(FIRST_PAGE))
    }
    await sql.end()

    console.log(
      `\n/sessions/[id], ${MESSAGES.toLocaleString("en")} messages, Postgres, ${REQUESTS} requests`
    )
    console.log(
      `  page (full HTML: header and the first ${FIRST_PAGE} messages, ${(bytes / 1024).toFixed(0)} KiB): median ${formatMs(median(page))}, p95 ${formatMs(percentile(page, 95))}   (target p95 < 200 ms)`
    )
    console.log(
      `  first bytes: median ${formatMs(median(first))}, p95 ${formatMs(percentile(first, 95))}`
    )
    console.log(
      `  yardstick, raw SQL of the same read (session row and first ${FIRST_PAGE} messages): median ${formatMs(median(rawFirst))}, p95 ${formatMs(percentile(rawFirst, 95))}; page p95 / yardstick p95 ${(percentile(page, 95) / percentile(rawFirst, 95)).toFixed(1)}×`
    )
    console.log(
      `  yardstick, the same route for a one-message session (proxy, layout, sign-in, the same reads; no first page to render): median ${formatMs(median(smallPage))}, p95 ${formatMs(percentile(smallPage, 95))}; page p95 / yardstick p95 ${(percentile(page, 95) / percentile(smallPage, 95)).toFixed(1)}×`
    )
    console.log(
      `  yardstick, raw SQL of all ${MESSAGES.toLocaleString("en")} messages: median ${formatMs(median(raw))}, p95 ${formatMs(percentile(raw, 95))}`
    )
    console.log(
      `  the browser's read of the whole conversation after paint (REST, keyset pages): median ${formatMs(median(threads))}, p95 ${formatMs(percentile(threads, 95))}`
    )
    console.log(
      `  ratio messages read / raw SQL (p95): ${(percentile(threads, 95) / percentile(raw, 95)).toFixed(1)}×`
    )
    record({
      name: "sessions-detail.page.p95",
      label: `session page p95, ${MESSAGES.toLocaleString("en")} messages (yardstick: raw SQL of the same read)`,
      value: percentile(page, 95),
      unit: "ms",
      yardstick: percentile(rawFirst, 95),
      target: "p95 < 200 ms",
      check: (value) => value < 200,
    })
    record({
      name: "sessions-detail.whole_conversation_read.p95",
      label:
        "the browser's read of the whole conversation p95 (yardstick: raw SQL of all messages)",
      value: percentile(threads, 95),
      unit: "ms",
      yardstick: percentile(raw, 95),
    })

    await bench.withChromium(async (context) => {
      // When the first message entered the document: the HTML carries the first page, so it
      // is parsed with the rest of the first screen (no later than the first paint shows it).
      await context.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (!document.querySelector("article")) return
          ;(window as { __firstMessage?: number }).__firstMessage = performance.now()
          observer.disconnect()
        }).observe(document, { childList: true, subtree: true })
      })
      const paints: number[] = []
      const messagesShown: number[] = []
      for (let i = 0; i < PAINTS + 1; i++) {
        const tab = await context.newPage()
        await tab.goto(url, { waitUntil: "commit" })
        await tab.waitForLoadState("load")
        const fcp = await tab.evaluate(
          () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN
        )
        await tab.locator("article").first().waitFor()
        const firstMessage = Math.max(
          fcp,
          await tab.evaluate(
            () => (window as { __firstMessage?: number }).__firstMessage ?? performance.now()
          )
        )
        // The first load warms the browser's cache of the app's scripts, as a returning user's is.
        if (i > 0) {
          paints.push(fcp)
          messagesShown.push(firstMessage)
        }
        await tab.close()
      }
      console.log(
        `  first contentful paint in Chromium: median ${formatMs(median(paints))}, worst ${formatMs(Math.max(...paints))}   (target < 1 s)`
      )
      // The page's own server time is the part of the paint the console controls.
      record({
        name: "sessions-detail.first_contentful_paint.median",
        label: "session page first contentful paint, median (yardstick: the page's server p95)",
        value: median(paints),
        unit: "ms",
        yardstick: percentile(page, 95),
        target: "< 1,000 ms",
        check: (value) => value < 1000,
      })
      console.log(
        `  first message on screen: median ${formatMs(median(messagesShown))}, worst ${formatMs(Math.max(...messagesShown))}`
      )
    })
  } finally {
    await bench.stop()
  }
}

await main()
