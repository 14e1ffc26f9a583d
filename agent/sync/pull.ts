import { randomBytes } from "node:crypto"
import { mkdir, open, readFile, rename, rm } from "node:fs/promises"
import path from "node:path"

import { accountNamespace, sessionCloudId } from "@/lib/devices/sync-ids"
import {
  type SyncPullChange,
  type SyncPulledMessage,
  type SyncPulledSession,
  type SyncPullResponse,
} from "@/lib/devices/sync-schema"

import { type SyncState } from "./state"

// `sync --pull`: sessions changed elsewhere (another device, the console) written into our
// JSONL format, one file per session named by its cloud id, in a folder of the agent's own;
// never into another app's private files. The cursor is saved after every page, so a pull
// that stops resumes where it was. What this device pushed itself (same version) is skipped.

export type PullReport = {
  pages: number
  changes: number
  written: number
  files: number
  skippedOwn: number
}

function sessionLine(row: SyncPulledSession) {
  return {
    type: "session" as const,
    id: row.id,
    client_id: row.client_id,
    title: row.title,
    model: row.model,
    created_at: row.created_at,
    updated_at: row.last_modified_at,
    metadata: row.metadata,
    sync_version: row.sync_version,
    deleted_at: row.deleted_at,
  }
}

function messageLine(row: SyncPulledMessage) {
  return {
    type: "message" as const,
    id: row.id,
    client_id: row.client_id,
    session_id: row.session_id,
    parent_id: row.parent_id,
    message_index: row.message_index,
    role: row.role,
    content: row.content,
    reasoning: row.reasoning,
    tool_calls: row.tool_calls,
    model: row.model,
    usage: {
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cached_tokens: row.cached_tokens,
    },
    tokens_per_second: row.tokens_per_second,
    time_to_first_token_ms: row.time_to_first_token_ms,
    created_at: row.created_at,
    sync_version: row.sync_version,
    deleted_at: row.deleted_at,
  }
}

type Line = ReturnType<typeof sessionLine> | ReturnType<typeof messageLine>

async function mergeInto(file: string, lines: Line[]) {
  const merged = new Map<string, Line>()
  try {
    for (const text of (await readFile(file, "utf8")).split("\n")) {
      if (!text.trim()) continue
      try {
        const line = JSON.parse(text) as Line
        merged.set(`${line.type}:${line.id}`, line)
      } catch {
        // A line this agent did not write in full; the pull writes the whole file again.
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
  }
  for (const line of lines) merged.set(`${line.type}:${line.id}`, line)
  const ordered = [...merged.values()].sort((a, b) =>
    a.type !== b.type
      ? a.type === "session"
        ? -1
        : 1
      : a.type === "message" && b.type === "message"
        ? a.message_index - b.message_index || a.id.localeCompare(b.id)
        : 0
  )
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`
  const handle = await open(temp, "wx", 0o600)
  try {
    await handle.writeFile(
      ordered.map((line) => JSON.stringify(line)).join("\n") + "\n",
      "utf8"
    )
  } finally {
    await handle.close()
  }
  try {
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

export async function pullChanges({
  fetchPage,
  state,
  saveState,
  dir,
  accountId,
  deviceId,
  log,
}: {
  fetchPage: (cursor: string | null) => Promise<SyncPullResponse>
  state: SyncState
  saveState: () => Promise<void>
  dir: string
  accountId: string
  deviceId: string
  log?: (line: string) => void
}): Promise<PullReport> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const namespace = accountNamespace(accountId)
  // The versions this device pushed, by cloud id: an echo of our own push is not news.
  const ownSessions = new Map<string, { clientId: string; version: number }>()
  for (const [clientId, known] of Object.entries(state.sessions)) {
    ownSessions.set(sessionCloudId(namespace, clientId), {
      clientId,
      version: known.s[0],
    })
  }
  const isOwnEcho = (change: SyncPullChange) => {
    if (change.row.device_id !== deviceId || change.row.client_id === null)
      return false
    if (change.kind === "session") {
      const own = ownSessions.get(change.row.id)

      return own !== undefined && own.version >= change.row.sync_version
    }
    const session = ownSessions.get(change.row.session_id)
    const known = session
      ? state.sessions[session.clientId]?.m[change.row.client_id]
      : undefined

    return known !== undefined && known[0] >= change.row.sync_version
  }

  const report: PullReport = {
    pages: 0,
    changes: 0,
    written: 0,
    files: 0,
    skippedOwn: 0,
  }
  let cursor = state.pull.cursor
  for (;;) {
    const page = await fetchPage(cursor)
    report.pages += 1
    report.changes += page.changes.length
    const bySession = new Map<string, Line[]>()
    for (const change of page.changes) {
      if (isOwnEcho(change)) {
        report.skippedOwn += 1
        continue
      }
      const sessionId =
        change.kind === "session" ? change.row.id : change.row.session_id
      const line =
        change.kind === "session"
          ? sessionLine(change.row)
          : messageLine(change.row)
      bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), line])
    }
    for (const [sessionId, lines] of bySession) {
      await mergeInto(path.join(dir, `${sessionId}.jsonl`), lines)
      report.written += lines.length
      report.files += 1
    }
    cursor = page.next_cursor
    state.pull = { ...state.pull, cursor, dir }
    await saveState()
    log?.(
      `pulled ${report.changes} changes (${report.written} written to ${dir})`
    )
    if (!page.has_more) break
  }

  return report
}
