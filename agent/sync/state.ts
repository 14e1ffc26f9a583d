import { randomBytes } from "node:crypto"
import { mkdir, open, readFile, rename, rm } from "node:fs/promises"
import path from "node:path"

import { z } from "zod"

// What this device has pushed, so a run sends only what changed since and a cut connection or
// a killed agent loses nothing: per session and message, the sync_version the console
// acknowledged and a hash of what was sent. Also the files already read (size and mtime, so
// an unchanged file is not parsed again), the pull cursor and the status the heartbeat
// reports. Chat titles and ids are private: the file is 0600, written atomically like the
// device config.

/** [acknowledged sync_version, hash of what was sent ("deleted" for a tombstone)]. */
const entry = z.tuple([z.int().min(1), z.string()])
/** A message's entry, plus its index and role: a tombstone must send them again. */
type MessageEntry = [version: number, hash: string, index: number, role: string]

function isMessageEntries(
  value: unknown
): value is Record<string, MessageEntry> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return false
  for (const entry of Object.values(value)) {
    if (
      !Array.isArray(entry) ||
      entry.length !== 4 ||
      !Number.isInteger(entry[0]) ||
      entry[0] < 1 ||
      typeof entry[1] !== "string" ||
      !Number.isInteger(entry[2]) ||
      entry[2] < 0 ||
      typeof entry[3] !== "string"
    ) {
      return false
    }
  }

  return true
}

// Checked by hand: a state holds an entry per message synced (tens of thousands), and zod's
// generic tuple parsing of them took longer than the rest of a sync that changed one chat.
const messageEntries = z.custom<Record<string, MessageEntry>>(isMessageEntries)

const sessionStateSchema = z.object({
  s: entry,
  /** What a tombstone must resend so the console keeps the title, model and dates. */
  p: z.record(z.string(), z.unknown()),
  /** The file it came from, so a deleted file tombstones its sessions. */
  file: z.string(),
  m: messageEntries,
})
export type SessionState = z.infer<typeof sessionStateSchema>

export const syncStateSchema = z.object({
  version: z.literal(1),
  device_id: z.string(),
  sessions: z.record(z.string(), sessionStateSchema),
  files: z.record(
    z.string(),
    z.object({
      size: z.number(),
      mtime_ms: z.number(),
      sessions: z.array(z.string()),
    })
  ),
  pull: z.object({ cursor: z.string().nullable(), dir: z.string().optional() }),
  status: z
    .object({
      pending: z.int().min(0),
      last_error: z.string().nullable(),
      at: z.string(),
    })
    .optional(),
})
export type SyncState = z.infer<typeof syncStateSchema>

export const STATE_FILE_MODE = 0o600

export function emptyState(deviceId: string): SyncState {
  return {
    version: 1,
    device_id: deviceId,
    sessions: {},
    files: {},
    pull: { cursor: null },
  }
}

/** Beside the device config: one state per pairing. */
export function resolveStatePath(configPath: string): string {
  return path.join(path.dirname(configPath), "sync-state.json")
}

/** The stored state for this device; a missing, unreadable or other device's state starts over. */
export async function readSyncState(
  file: string,
  deviceId: string
): Promise<SyncState> {
  let text: string
  try {
    text = await readFile(file, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return emptyState(deviceId)
    throw error
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // A state lost to a crash costs one full re-sync, which the console answers with
    // "duplicate" for everything it already has: nothing is sent twice into the data.
    return emptyState(deviceId)
  }
  const parsed = syncStateSchema.safeParse(json)
  if (!parsed.success || parsed.data.device_id !== deviceId)
    return emptyState(deviceId)

  return parsed.data
}

export async function writeSyncState(
  file: string,
  state: SyncState
): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`
  )
  const handle = await open(temp, "wx", STATE_FILE_MODE)
  try {
    await handle.writeFile(JSON.stringify(state), "utf8")
    await handle.chmod(STATE_FILE_MODE)
    await handle.sync()
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
