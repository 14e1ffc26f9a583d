import { NextResponse, type NextRequest } from "next/server"
import { z } from "zod"

import { exportFileName } from "@/lib/sessions/export-format"
import {
  exportChunks,
  findExportSessions,
  parseExportQuery,
  streamOf,
} from "@/lib/sessions/export-stream"
import { createClient } from "@/lib/supabase/server"

const CONTENT_TYPES = {
  markdown: "text/markdown; charset=utf-8",
  json: "application/x-ndjson; charset=utf-8",
} as const

/**
 * `GET /sessions/export?format=markdown|json&id=<uuid>&id=…`: one or several sessions as a
 * streamed download. Reads with the signed-in user's client, so RLS decides what is
 * exported; a session the caller cannot read answers 404 for the whole request, before any
 * byte is written.
 */
export async function GET(request: NextRequest) {
  const query = parseExportQuery(request.nextUrl.searchParams)
  if (!query.success) {
    return NextResponse.json(
      {
        error: "invalid_query",
        fields: z.flattenError(query.error).fieldErrors,
      },
      { status: 400 }
    )
  }

  const supabase = await createClient()
  const { data } = await supabase.auth.getClaims()
  if (!data?.claims?.sub) {
    return NextResponse.json({ error: "not_signed_in" }, { status: 401 })
  }

  let sessions
  try {
    sessions = await findExportSessions(supabase, query.data.ids)
  } catch (error) {
    console.error("[sessions/export]", error)

    return NextResponse.json({ error: "export_failed" }, { status: 503 })
  }
  if (!sessions) {
    return NextResponse.json({ error: "session_not_found" }, { status: 404 })
  }

  const { format } = query.data
  const fileName = exportFileName(format, sessions, new Date())

  return new Response(streamOf(exportChunks(supabase, format, sessions)), {
    headers: {
      "content-type": CONTENT_TYPES[format],
      "content-disposition": `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  })
}
