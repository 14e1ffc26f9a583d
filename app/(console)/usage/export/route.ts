import { type NextRequest } from "next/server"

import { getCurrentUser } from "@/lib/auth/current-user"
import { createClient } from "@/lib/supabase/server"
import {
  csvFileName,
  csvHeader,
  csvLine,
  csvRow,
  reportRows,
} from "@/lib/usage/csv"
import {
  getProfileTimezone,
  getUsageNames,
  resolveProject,
} from "@/lib/usage/queries"
import { firstValues, resolveRange, usageSearchSchema } from "@/lib/usage/range"

/**
 * The daily breakdown by model x device x project for the page's range, filters and
 * timezone, streamed 92 days at a time (memory stays flat whatever the range). The same
 * usage_report rows the page sums, so the two agree to the cent.
 */
export async function GET(request: NextRequest) {
  const search = usageSearchSchema.parse(
    firstValues(Object.fromEntries(request.nextUrl.searchParams))
  )
  const user = await getCurrentUser()
  const supabase = await createClient()
  const [savedTimezone, names] = await Promise.all([
    getProfileTimezone(supabase, user.id),
    getUsageNames(supabase),
  ])
  const timezone = search.tz ?? savedTimezone ?? "UTC"
  const range = resolveRange(search, timezone)
  const filters = {
    projectId: resolveProject(search.project, names),
    deviceId: search.device ?? null,
    model: search.model ?? null,
  }

  const encoder = new TextEncoder()
  const rows = reportRows(supabase, { range, timezone, filters })
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(csvHeader(timezone))))
    },
    // Pulled as the client reads: one chunk of lines per pull, so a slow download never
    // buffers the whole export.
    async pull(controller) {
      try {
        let batch = ""
        for (let i = 0; i < 2000; i++) {
          const next = await rows.next()
          if (next.done) {
            if (batch) controller.enqueue(encoder.encode(batch))
            controller.close()

            return
          }
          batch += csvRow(next.value, names)
        }
        controller.enqueue(encoder.encode(batch))
      } catch (error) {
        console.error("[usage] export failed", error)
        controller.error(error)
      }
    },
    async cancel() {
      await rows.return(undefined)
    },
  })

  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${csvFileName(range, timezone)}"`,
      "cache-control": "no-store",
    },
  })
}
