import { z } from "zod"

import {
  syncPullChangeSchema,
  syncPullQuerySchema,
  type SyncPullResponse,
} from "@/lib/devices/sync-schema"

import { authenticateDevice } from "../../_lib/authenticate"
import {
  errorResponse,
  handleDeviceRequest,
  jsonResponse,
  parseWith,
  UpstreamError,
} from "../../_lib/http"

const pageSchema = z.object({
  changes: z.array(z.object({ kind: z.string(), row: z.unknown() })),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
})

/**
 * Changes to the device owner's sessions and messages since a cursor (sync_pull, acting as the
 * device): other devices' pushes, the console's edits, tombstones. Pass back next_cursor.
 */
export async function GET(request: Request) {
  return handleDeviceRequest("sync/pull", async () => {
    const auth = await authenticateDevice(request)
    if (!auth.ok) return auth.response
    const { device } = auth

    const params = Object.fromEntries(new URL(request.url).searchParams)
    const query = parseWith(syncPullQuerySchema, params)
    if (!query.ok) return query.response

    const { data, error } = await device.supabase.rpc("sync_pull", {
      cursor: query.value.cursor,
      max_rows: query.value.limit,
    })
    if (error) {
      if (error.code === "22023" || error.code === "22P02") {
        return errorResponse(
          422,
          "invalid_request",
          "cursor: cursor must be a next_cursor from a pull.",
          {
            issues: [
              {
                path: "cursor",
                message: "cursor must be a next_cursor from a pull.",
              },
            ],
          }
        )
      }
      throw new UpstreamError("sync_pull", error)
    }
    const page = pageSchema.parse(data)
    const response: SyncPullResponse = {
      changes: page.changes.map((change) => syncPullChangeSchema.parse(change)),
      next_cursor: page.next_cursor,
      has_more: page.has_more,
    }

    return jsonResponse(response)
  })
}
