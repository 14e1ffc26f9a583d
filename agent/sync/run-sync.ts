import { type Stats } from "node:fs"
import { stat } from "node:fs/promises"
import path from "node:path"

import {
  type AttachmentItem,
  type AttachmentsResponse,
} from "@/lib/devices/attachments-schema"
import { type SyncPush, type SyncPushResponse } from "@/lib/devices/sync-schema"
import { formatQuantity } from "@/lib/format"

import { syncAttachments, type AttachmentReport } from "./attachments"
import { importFile, listSourceFiles } from "./importers"
import { ImportError, type SyncSource } from "./model"
import { planSync, type FileImport, type SyncPlan } from "./plan"
import { pushPlan, type PushProgress, type PushReport } from "./push"
import { writeSyncState, type SyncState } from "./state"

// One sync run over a folder or a file: read what changed, plan, push (or, dry, only say what
// would be pushed), remember what the console acknowledged.

export type SkippedFile = { file: string; reason: string }

export type SyncRunReport = {
  files: number
  readFiles: number
  skipped: SkippedFile[]
  plan: SyncPlan
  push: PushReport | null
  attachments: AttachmentReport | null
}

export type SyncRunOptions = {
  source: SyncSource
  /** A folder (every file of the source under it) or one file. */
  target: string
  state: SyncState
  statePath: string
  send: (body: SyncPush) => Promise<SyncPushResponse>
  /** Records attachments and gets their upload URLs; without it attachments are not sent. */
  sendAttachments?: (
    attachments: AttachmentItem[]
  ) => Promise<AttachmentsResponse>
  /** The fetch attachment bytes go to Storage with (the CLI's, so tests can stand in). */
  fetchImpl?: typeof fetch
  dryRun?: boolean
  log: (line: string) => void
  onProgress?: (progress: PushProgress) => void
  now?: string
}

function isInside(file: string, folder: string) {
  const relative = path.relative(folder, file)

  return (
    relative === "" ||
    (!relative.startsWith("..") && !path.isAbsolute(relative))
  )
}

function describeReadError(error: unknown): string {
  if (error instanceof ImportError) return error.message
  const code = (error as NodeJS.ErrnoException).code
  if (code === "EACCES" || code === "EPERM") return "the agent may not read it"
  if (code === "ENOENT") return "it disappeared while the sync ran"

  return (error as Error).message ?? String(error)
}

// Files stat'ed at once. Awaited one by one, a folder of 1,000 unchanged chats cost 1,000
// round trips through libuv's thread pool, most of a one-file re-sync on a busy machine.
const STAT_CONCURRENCY = 64

async function statAll(files: string[]): Promise<(Stats | Error)[]> {
  const infos: (Stats | Error)[] = new Array(files.length)
  let next = 0
  const worker = async () => {
    while (next < files.length) {
      const i = next++
      infos[i] = await stat(files[i]!).catch((error: Error) => error)
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(STAT_CONCURRENCY, files.length) }, worker)
  )

  return infos
}

export async function runSync(options: SyncRunOptions): Promise<SyncRunReport> {
  const { source, state, statePath, log } = options
  const target = path.resolve(options.target)
  const targetInfo = await stat(target).catch(() => null)
  const isFolder = targetInfo?.isDirectory() ?? false
  const files = targetInfo
    ? isFolder
      ? await listSourceFiles(source, target)
      : [target]
    : []
  const inScope = (file: string) =>
    isFolder ? isInside(file, target) : file === target

  const imports: FileImport[] = []
  const unchangedFiles: string[] = []
  const skipped: SkippedFile[] = []
  const stats = new Map<string, { size: number; mtime_ms: number }>()
  const infos = await statAll(files)
  for (const [i, file] of files.entries()) {
    try {
      const info = infos[i]!
      if (info instanceof Error) throw info
      const known = state.files[file]
      stats.set(file, { size: info.size, mtime_ms: info.mtimeMs })
      if (
        known &&
        known.size === info.size &&
        known.mtime_ms === info.mtimeMs
      ) {
        unchangedFiles.push(file)
        continue
      }
      imports.push({ file, sessions: await importFile(source, file) })
    } catch (error) {
      skipped.push({ file, reason: describeReadError(error) })
      log(`skipped ${file}: ${describeReadError(error)}`)
    }
  }

  const plan = planSync({
    state,
    imports,
    unchangedFiles,
    failedFiles: skipped.map((s) => s.file),
    inScope,
    now: options.now,
  })
  const report: SyncRunReport = {
    files: files.length,
    readFiles: imports.length,
    skipped,
    plan,
    push: null,
    attachments: null,
  }
  if (options.dryRun) return report

  const push = await pushPlan({
    plan,
    state,
    send: options.send,
    saveState: () => writeSyncState(statePath, state),
    onProgress: options.onProgress,
  })
  report.push = push
  if (options.sendAttachments) {
    report.attachments = await syncAttachments({
      imports,
      send: options.sendAttachments,
      log,
      fetchImpl: options.fetchImpl,
    })
  }

  // A file counts as synced once every item it had was acknowledged; the next run then skips
  // it until it changes. Files that vanished are forgotten (their chats were tombstoned).
  const unsettled = new Set([
    ...push.outcomes.filter((o) => o.status === "rejected").map((o) => o.file),
    ...plan.rejected.map((r) => r.file),
    ...(report.attachments?.unsettledFiles ?? []),
  ])
  for (const { file, sessions } of imports) {
    const info = stats.get(file)
    if (!info || unsettled.has(file)) delete state.files[file]
    else
      state.files[file] = { ...info, sessions: sessions.map((s) => s.clientId) }
  }
  for (const file of Object.keys(state.files)) {
    if (inScope(file) && !stats.has(file)) delete state.files[file]
  }
  const pending = push.rejected + plan.rejected.length
  const lastError = pending > 0 ? describeFirstRejection(push, plan) : null
  const settled =
    push.batches === 0 &&
    imports.length === 0 &&
    state.status?.pending === pending &&
    state.status.last_error === lastError
  // Nothing read, nothing sent, nothing new to report: the stored state is already right.
  if (settled && stats.size === Object.keys(state.files).filter(inScope).length)
    return report
  state.status = {
    pending,
    last_error: lastError,
    at: new Date().toISOString(),
  }
  await writeSyncState(statePath, state)

  return report
}

function describeFirstRejection(push: PushReport, plan: SyncPlan): string {
  const local = plan.rejected[0]
  if (local) return `${local.reason}: ${local.message}`
  const outcome = push.outcomes.find((o) => o.status === "rejected")

  return outcome
    ? `${outcome.reason ?? "rejected"}: ${outcome.message ?? `${outcome.kind} ${outcome.clientId}`}`
    : "rejected"
}

/** What a run did (or, dry, would do), as the lines the agent prints. */
export function describeRun(report: SyncRunReport, dryRun: boolean): string[] {
  const { plan } = report
  const count = (items: { change: string }[], change: string) =>
    items.filter((i) => i.change === change).length
  const lines: string[] = []
  const verb = dryRun ? "would push" : "pushed"
  lines.push(
    `${formatQuantity(report.files, "file")} (${report.readFiles} read, ${report.files - report.readFiles - report.skipped.length} unchanged, ${report.skipped.length} skipped)`
  )
  lines.push(
    `sessions: ${verb} ${count(plan.sessions, "new")} new, ${count(plan.sessions, "changed")} changed, ${count(plan.sessions, "deleted")} deleted; ${plan.unchanged.sessions} unchanged`
  )
  lines.push(
    `messages: ${verb} ${count(plan.messages, "new")} new, ${count(plan.messages, "changed")} changed, ${count(plan.messages, "deleted")} deleted; ${plan.unchanged.messages} unchanged`
  )
  if (dryRun) {
    for (const session of plan.sessions) {
      const title =
        typeof session.item.title === "string" ? ` "${session.item.title}"` : ""
      lines.push(
        `  ${session.change} session${title} (${session.sessionClientId})`
      )
    }
  }
  for (const rejected of plan.rejected) {
    lines.push(
      `  not sent: ${rejected.file}: ${rejected.message} (${rejected.reason})`
    )
  }
  const attachments = report.attachments
  if (
    attachments &&
    attachments.uploaded + attachments.stored + attachments.rejected > 0
  ) {
    lines.push(
      `attachments: ${attachments.uploaded} uploaded, ${attachments.stored} already there, ${attachments.rejected} not sent`
    )
  }
  const push = report.push
  if (push) {
    lines.push(
      `console: ${push.applied} applied, ${push.duplicate} already there, ${push.conflict} ${push.conflict === 1 ? "conflict" : "conflicts"}, ${push.rejected} rejected`
    )
    for (const outcome of push.outcomes) {
      const what = `${outcome.kind} ${outcome.clientId}${outcome.kind === "message" ? ` of ${outcome.sessionClientId}` : ""}`
      lines.push(
        outcome.status === "conflict"
          ? `  conflict: ${what}: the console has version ${outcome.serverVersion ?? "?"} (${outcome.reason ?? "conflict"}); its copy was kept`
          : `  rejected: ${what} (${outcome.file}): ${outcome.reason ?? "rejected"}${outcome.message ? ` — ${outcome.message}` : ""}`
      )
    }
  }

  return lines
}
