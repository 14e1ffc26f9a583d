import { z } from "zod"

import { type Json } from "@/lib/database.types"
import { dbId } from "@/lib/db-id"
import {
  syncPushSchema,
  type SyncItemResult,
  type SyncPushResponse,
  type SyncSummary,
} from "@/lib/devices/sync-schema"

import { preparePush } from "../_lib/prepare-push"
import { authenticateDevice } from "../../_lib/authenticate"
import {
  errorResponse,
  handleDeviceRequest,
  jsonResponse,
  readJsonBodyAs,
  UpstreamError,
} from "../../_lib/http"
import { indexSearchAfterResponse } from "../../_lib/index-search"
import { SYNC_PUSH_BODY_LIMIT_BYTES } from "../../_lib/limits"

const pushedRowsSchema = z.array(
  z.object({
    kind: z.enum(["session", "message"]),
    id: dbId,
    status: z.enum(["applied", "duplicate", "conflict", "rejected"]),
    server_version: z.coerce.number().int().nullable(),
    reason: z.string().nullable(),
  })
)

/** Under PostgREST's max_rows (1,000), which also caps what an RPC returns. */
const SYNC_PUSH_RPC_MAX_ITEMS = 1000

function* chunkBatch(
  batch: { sessions: Json[]; messages: Json[] },
  size: number
): Generator<{ sessions: Json[]; messages: Json[] }> {
  const items = [
    ...batch.sessions.map((item) => ["sessions", item] as const),
    ...batch.messages.map((item) => ["messages", item] as const),
  ]
  for (let start = 0; start < items.length; start += size) {
    const chunk = { sessions: [] as Json[], messages: [] as Json[] }
    for (const [list, item] of items.slice(start, start + size)) {
      chunk[list].push(item)
    }
    yield chunk
  }
}

// Postgres classes that mean "this batch cannot be written as sent" (data exceptions,
// integrity violations, limits): a client error to fix, not an outage to retry.
const CLIENT_ERROR_CLASSES = ["22", "23", "54"]

/**
 * A device pushes a batch of sessions and messages. The database decides each item
 * (sync_push, acting as the device); bad items are rejected one by one with a code.
 */
export async function POST(request: Request) {
  return handleDeviceRequest("sync/push", async () => {
    const auth = await authenticateDevice(request)
    if (!auth.ok) return auth.response
    const { device } = auth

    const input = await readJsonBodyAs(
      request,
      syncPushSchema,
      SYNC_PUSH_BODY_LIMIT_BYTES
    )
    if (!input.ok) return input.response

    const prepared = preparePush(device.userId, input.value)
    const results: SyncItemResult[] = [...prepared.rejected]

    // PostgREST caps every result at max_rows (1,000 in supabase/config.toml, as on hosted
    // Supabase), a set-returning RPC's too: sync_push gets at most that many items per call.
    // Sessions go first, so a message's session is in when the message arrives.
    const rows = new Map<string, z.infer<typeof pushedRowsSchema>[number]>()
    for (const chunk of chunkBatch(prepared.batch, SYNC_PUSH_RPC_MAX_ITEMS)) {
      const { data, error } = await device.supabase.rpc("sync_push", {
        batch: chunk,
      })
      if (error) {
        if (CLIENT_ERROR_CLASSES.some((c) => error.code?.startsWith(c))) {
          return errorResponse(
            422,
            "invalid_request",
            `The batch could not be applied as sent (${error.message}); items before it in the batch were applied, check them again.`
          )
        }
        throw new UpstreamError("sync_push", error)
      }
      for (const row of pushedRowsSchema.parse(data)) {
        rows.set(`${row.kind}:${row.id}`, row)
      }
    }
    for (const item of prepared.sent) {
      const row = rows.get(`${item.kind}:${item.id}`)
      // sync_push answers for every distinct item; a missing one is a bug to hear about.
      if (!row) throw new UpstreamError("sync_push", `no result for ${item.id}`)
      results.push({
        kind: item.kind,
        index: item.index,
        client_id: item.client_id,
        id: item.id,
        status: row.status,
        reason: row.reason,
        server_version: row.server_version,
      })
    }

    results.sort((a, b) =>
      a.kind === b.kind ? a.index - b.index : a.kind === "session" ? -1 : 1
    )
    const summary: SyncSummary = {
      applied: 0,
      duplicate: 0,
      conflict: 0,
      rejected: 0,
    }
    for (const result of results) summary[result.status] += 1
    const response: SyncPushResponse = { results, summary }
    if (summary.applied > 0) indexSearchAfterResponse(device.supabase)

    return jsonResponse(response)
  })
}
