import { NextResponse, type NextRequest } from "next/server"

import { dbId } from "@/lib/db-id"
import { stripAnsi } from "@/lib/runs/ansi"
import { listRunLogRange, LOG_CHUNK_LINES } from "@/lib/runs/queries"
import { createClient } from "@/lib/supabase/server"

/**
 * `GET /runs/<id>/raw`: the whole log as streamed text/plain, one line per log line, colour
 * codes removed (`?ansi=1` keeps them). Reads with the signed-in user's client, so RLS
 * decides: a run the caller cannot read answers 404 before any byte is written. Lines are
 * read in 1,000-line ranges of the (run_id, line_no) index, never all at once.
 */
export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ id: string }> }
) {
  const id = dbId.safeParse((await params).id)
  if (!id.success)
    return NextResponse.json({ error: "not_found" }, { status: 404 })
  const keepAnsi = request.nextUrl.searchParams.get("ansi") === "1"

  const supabase = await createClient()
  const { data: claims } = await supabase.auth.getClaims()
  if (!claims?.claims?.sub)
    return NextResponse.json({ error: "not_signed_in" }, { status: 401 })

  const { data: run, error } = await supabase
    .schema("ops")
    .from("runs")
    .select("id")
    .eq("id", id.data)
    .maybeSingle()
  if (error) {
    console.error(`[runs/raw] ${error.code} ${error.message}`)
    return NextResponse.json({ error: "read_failed" }, { status: 503 })
  }
  if (!run) return NextResponse.json({ error: "not_found" }, { status: 404 })

  const encoder = new TextEncoder()
  let from = 1
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const lines = await listRunLogRange(supabase, {
          runId: id.data,
          from,
          to: from + LOG_CHUNK_LINES - 1,
        })
        if (lines.length === 0) {
          controller.close()
          return
        }
        controller.enqueue(
          encoder.encode(
            lines
              .map(
                (line) => (keepAnsi ? line.line : stripAnsi(line.line)) + "\n"
              )
              .join("")
          )
        )
        from += LOG_CHUNK_LINES
      } catch (cause) {
        console.error("[runs/raw]", cause)
        controller.error(cause)
      }
    },
  })

  return new Response(stream, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="run-${id.data}.log"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  })
}
