import {
  type SyncItemResult,
  type SyncPush,
  type SyncPushResponse,
} from "@/lib/devices/sync-schema"

import { DELETED_HASH, type PlannedItem, type SyncPlan } from "./plan"
import { type SyncState } from "./state"

// Sends a plan in batches (sessions first, so their messages find them) and records in the
// state what the console acknowledged, batch by batch: a run cut short resumes where the
// console stopped answering. Conflicts and rejections are collected item by item.

/** Well under the API's 8 MiB limit, so one batch is a few hundred milliseconds of upload. */
export const BATCH_MAX_BYTES = 2 * 1024 * 1024
export const BATCH_MAX_ITEMS = 5_000

export type ItemOutcome = {
  kind: "session" | "message"
  sessionClientId: string
  clientId: string
  file: string
  status: "conflict" | "rejected"
  reason: string | null
  message?: string
  serverVersion: number | null
}

export type PushReport = {
  applied: number
  duplicate: number
  conflict: number
  rejected: number
  outcomes: ItemOutcome[]
  bytes: number
  batches: number
}

export type PushProgress = {
  items: number
  itemsTotal: number
  messages: number
  messagesTotal: number
  bytes: number
  bytesTotal: number
}

type Batch = { items: PlannedItem[]; bytes: number }

export function splitBatches(
  items: PlannedItem[],
  maxBytes = BATCH_MAX_BYTES,
  maxItems = BATCH_MAX_ITEMS
): Batch[] {
  const batches: Batch[] = []
  let current: Batch = { items: [], bytes: 0 }
  for (const item of items) {
    const bytes = Buffer.byteLength(JSON.stringify(item.item)) + 1
    if (
      current.items.length > 0 &&
      (current.bytes + bytes > maxBytes || current.items.length >= maxItems)
    ) {
      batches.push(current)
      current = { items: [], bytes: 0 }
    }
    current.items.push(item)
    current.bytes += bytes
  }
  if (current.items.length > 0) batches.push(current)

  return batches
}

function toRequest(batch: Batch): {
  body: SyncPush
  order: { sessions: PlannedItem[]; messages: PlannedItem[] }
} {
  const sessions = batch.items.filter((item) => item.kind === "session")
  const messages = batch.items.filter((item) => item.kind === "message")

  return {
    body: {
      sessions: sessions.map((s) => s.item),
      messages: messages.map((m) => m.item),
    },
    order: { sessions, messages },
  }
}

/** Records an acknowledged item: what the console holds now is what was sent (or newer). */
function acknowledge(
  state: SyncState,
  planned: PlannedItem,
  result: SyncItemResult
) {
  const version = result.server_version ?? planned.item.sync_version
  if (planned.kind === "session") {
    const known = state.sessions[planned.sessionClientId]
    state.sessions[planned.sessionClientId] = {
      s: [version, planned.hash],
      file: planned.file,
      p: planned.keep,
      m: known?.m ?? {},
    }

    return
  }
  const session = (state.sessions[planned.sessionClientId] ??= {
    // The session's own entry was not acknowledged (it never is without it being sent): an
    // empty hash makes the next run send it again.
    s: [1, ""],
    file: planned.file,
    p: {},
    m: {},
  })
  if (planned.hash === DELETED_HASH && result.status !== "conflict") {
    session.m[planned.item.client_id] = [
      version,
      DELETED_HASH,
      planned.item.message_index,
      planned.item.role,
    ]
  } else {
    session.m[planned.item.client_id] = [
      version,
      planned.hash,
      planned.item.message_index,
      planned.item.role,
    ]
  }
}

export async function pushPlan({
  plan,
  state,
  send,
  saveState,
  onProgress,
  maxBytes,
  maxItems,
}: {
  plan: SyncPlan
  state: SyncState
  send: (body: SyncPush) => Promise<SyncPushResponse>
  saveState: () => Promise<void>
  onProgress?: (progress: PushProgress) => void
  maxBytes?: number
  maxItems?: number
}): Promise<PushReport> {
  const batches = splitBatches(
    [...plan.sessions, ...plan.messages],
    maxBytes,
    maxItems
  )
  const report: PushReport = {
    applied: 0,
    duplicate: 0,
    conflict: 0,
    rejected: 0,
    outcomes: [],
    bytes: 0,
    batches: 0,
  }
  const progress: PushProgress = {
    items: 0,
    itemsTotal: plan.sessions.length + plan.messages.length,
    messages: 0,
    messagesTotal: plan.messages.length,
    bytes: 0,
    bytesTotal: batches.reduce((sum, batch) => sum + batch.bytes, 0),
  }

  for (const batch of batches) {
    const { body, order } = toRequest(batch)
    const answer = await send(body)
    for (const result of answer.results) {
      const planned = (
        result.kind === "session" ? order.sessions : order.messages
      )[result.index]
      if (!planned) continue
      report[result.status] += 1
      if (
        result.status === "applied" ||
        result.status === "duplicate" ||
        result.status === "conflict"
      ) {
        acknowledge(state, planned, result)
      }
      if (result.status === "conflict" || result.status === "rejected") {
        report.outcomes.push({
          kind: planned.kind,
          sessionClientId: planned.sessionClientId,
          clientId: planned.item.client_id,
          file: planned.file,
          status: result.status,
          reason: result.reason,
          message: result.message,
          serverVersion: result.server_version,
        })
      }
    }
    // The caller saves after the last batch, with the rest of its bookkeeping: one write.
    if (report.batches + 1 < batches.length) await saveState()
    report.batches += 1
    report.bytes += batch.bytes
    progress.items += batch.items.length
    progress.messages += order.messages.length
    progress.bytes += batch.bytes
    onProgress?.({ ...progress })
  }

  return report
}
