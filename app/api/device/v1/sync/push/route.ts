import { z } from "zod"

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
  parseWith,
  readJsonBody,
  UpstreamError,
} from "../../_lib/http"
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

    const body = await readJsonBody(request, SYNC_PUSH_BODY_LIMIT_BYTES)
    if (!body.ok) return body.response
    const input = parseWith(syncPushSchema, body.value)
    if (!input.ok) return input.response

    const prepared = preparePush(device.userId, input.value)
    const results: SyncItemResult[] = [...prepared.rejected]

    if (prepared.sent.length > 0) {
      const { data, error } = await device.supabase.rpc("sync_push", {
        batch: prepared.batch,
      })
      if (error) {
        if (CLIENT_ERROR_CLASSES.some((c) => error.code?.startsWith(c))) {
          return errorResponse(
            422,
            "invalid_request",
            `The batch could not be applied as sent (${error.message}); nothing was written.`
          )
        }
        throw new UpstreamError("sync_push", error)
      }
      const byKey = new Map(
        pushedRowsSchema
          .parse(data)
          .map((row) => [`${row.kind}:${row.id}`, row])
      )
      for (const item of prepared.sent) {
        const row = byKey.get(`${item.kind}:${item.id}`)
        // sync_push answers for every distinct item; a missing one is a database bug, and
        // saying "rejected" would hide it from nobody while a 503 would retry forever.
        if (!row)
          throw new UpstreamError("sync_push", `no result for ${item.id}`)
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

    return jsonResponse(response)
  })
}
