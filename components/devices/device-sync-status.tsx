import * as React from "react"
import { AlertTriangle, CheckCircle2, Clock, CloudUpload } from "lucide-react"

import { type Device } from "@/lib/devices/queries"
import { deriveSyncState } from "@/lib/devices/sync-status"
import { formatQuantity } from "@/lib/format"
import { cn } from "@/lib/utils"
import { RelativeTime } from "@/components/shared/relative-time"

/**
 * "Last synced …" and the agent's sync status (synced, N pending, or the last error it
 * reported in its heartbeat). `lastSyncedAt` undefined means the figure is still loading.
 */
export function DeviceSyncStatus({
  device,
  lastSyncedAt,
  now,
  className,
  ...props
}: React.ComponentProps<"div"> & {
  device: Pick<Device, "capabilities">
  lastSyncedAt: string | null | undefined
  now: number
}) {
  const state = deriveSyncState(device.capabilities, lastSyncedAt ?? null)
  const last =
    lastSyncedAt === undefined ? (
      <span>Last synced …</span>
    ) : lastSyncedAt ? (
      <span>
        Last synced <RelativeTime date={lastSyncedAt} now={now} />
      </span>
    ) : (
      <span>Not synced yet</span>
    )

  return (
    <div
      className={cn(
        "flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground",
        className
      )}
      data-sync-state={state.kind}
      {...props}
    >
      {last}
      {state.kind === "synced" && (
        <span className="inline-flex items-center gap-1 text-emerald-700 dark:text-emerald-400">
          <CheckCircle2 className="size-3.5" aria-hidden="true" />
          Synced
        </span>
      )}
      {state.kind === "pending" && (
        <span className="inline-flex items-center gap-1 text-amber-700 dark:text-amber-400">
          <Clock className="size-3.5" aria-hidden="true" />
          {formatQuantity(state.pending, "item")} pending
        </span>
      )}
      {state.kind === "error" && (
        <span
          className="inline-flex min-w-0 items-center gap-1 text-red-700 dark:text-red-400"
          title={state.error}
        >
          <AlertTriangle className="size-3.5 shrink-0" aria-hidden="true" />
          <span className="min-w-0 wrap-anywhere">
            Sync error
            {state.pending > 0 &&
              ` (${formatQuantity(state.pending, "item")} pending)`}
            : {state.error}
          </span>
        </span>
      )}
      {state.kind === "never" && lastSyncedAt !== undefined && (
        <span className="inline-flex items-center gap-1">
          <CloudUpload className="size-3.5" aria-hidden="true" />
          <code className="font-mono">npm run device -- sync</code>
        </span>
      )}
    </div>
  )
}
