import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

import {
  EXPORT_FORMATS,
  EXPORT_MAX_SESSIONS,
  messageLine,
  sessionLine,
  sessionMarkdown,
  type ExportFormat,
} from "./export-format"
import {
  iterateSessionMessages,
  listSessionDevices,
  SESSION_COLUMNS,
  sessionDetailSchema,
  type SessionDetail,
  type SessionMessage,
} from "./session-queries"

/** The export's query string: `?format=markdown|json&id=<uuid>&id=<uuid>…`. */
export const exportQuerySchema = z.object({
  format: z.enum(EXPORT_FORMATS, {
    error: "Choose format=markdown or format=json.",
  }),
  ids: z
    .array(dbId, { error: "Each id must be a session id." })
    .min(1, "Name at least one session with id=….")
    .max(
      EXPORT_MAX_SESSIONS,
      `Export at most ${EXPORT_MAX_SESSIONS} sessions at once.`
    )
    .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]),
})
export type ExportQuery = z.infer<typeof exportQuerySchema>

export function parseExportQuery(params: URLSearchParams) {
  return exportQuerySchema.safeParse({
    format: params.get("format") ?? undefined,
    ids: params.getAll("id"),
  })
}

/**
 * The sessions to export, in the order asked, or null when any of them is missing: deleted,
 * someone else's, or never there (RLS decides; the caller cannot tell which).
 */
export async function findExportSessions(
  supabase: Client,
  ids: readonly string[]
): Promise<SessionDetail[] | null> {
  const found: SessionDetail[] = []
  // One request per 100 ids keeps the URL PostgREST receives short.
  for (let start = 0; start < ids.length; start += 100) {
    const chunk = ids.slice(start, start + 100)
    const { data, error } = await supabase
      .from("cloud_sessions")
      .select(SESSION_COLUMNS)
      .in("id", chunk)
      .is("deleted_at", null)
    if (error)
      throw new Error(`findExportSessions: ${error.code} ${error.message}`)
    found.push(...z.array(sessionDetailSchema).parse(data))
  }
  const byId = new Map(
    found.map((session) => [session.id.toLowerCase(), session])
  )
  const ordered = ids.map((id) => byId.get(id))

  return ordered.every((session) => session !== undefined)
    ? (ordered as SessionDetail[])
    : null
}

/**
 * The export as a sequence of text chunks, produced as they are pulled. JSON: each batch of
 * messages is written as soon as it is read, so memory stays flat however large the
 * selection. Markdown needs one session's whole tree to pick its visible branch, so it holds
 * one session's messages at a time.
 */
export async function* exportChunks(
  supabase: Client,
  format: ExportFormat,
  sessions: readonly SessionDetail[],
  { batch }: { batch?: number } = {}
): AsyncGenerator<string> {
  for (const [position, session] of sessions.entries()) {
    if (format === "json") {
      yield sessionLine(session)
      for await (const rows of iterateSessionMessages(supabase, {
        sessionId: session.id,
        batch,
      })) {
        yield rows.map(messageLine).join("")
      }
      continue
    }

    const messages: SessionMessage[] = []
    for await (const rows of iterateSessionMessages(supabase, {
      sessionId: session.id,
      batch,
    })) {
      messages.push(...rows)
    }
    const deviceIds = new Set<string>()
    if (session.device_id) deviceIds.add(session.device_id)
    for (const message of messages) {
      if (message.device_id) deviceIds.add(message.device_id)
    }
    const devices = await listSessionDevices(supabase, {
      deviceIds: [...deviceIds],
    })
    if (position > 0) yield "\n\n"
    yield sessionMarkdown({ session, messages, devices })
  }
}

/** A pull-driven stream: the next chunk is produced only when the client reads the last. */
export function streamOf(
  chunks: AsyncGenerator<string>
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next()
        if (done) controller.close()
        else controller.enqueue(encoder.encode(value))
      } catch (error) {
        // Headers are gone already: the client sees a cut download, the server log says why.
        console.error("[sessions/export]", error)
        controller.error(error)
      }
    },
    async cancel() {
      await chunks.return(undefined)
    },
  })
}
