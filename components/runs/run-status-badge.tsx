import {
  Ban,
  CheckCircle2,
  CircleDashed,
  Clock,
  Loader2,
  XCircle,
  type LucideIcon,
} from "lucide-react"

import { type RunStatus } from "@/lib/runs/filters"
import { RUN_STATUS_LABELS } from "@/lib/runs/format"
import { cn } from "@/lib/utils"

const ICONS: Record<RunStatus, LucideIcon> = {
  queued: Clock,
  claimed: CircleDashed,
  running: Loader2,
  succeeded: CheckCircle2,
  failed: XCircle,
  canceled: Ban,
}

const COLOURS: Record<RunStatus, string> = {
  queued: "border-amber-500/40 text-amber-800 dark:text-amber-300",
  claimed: "border-sky-500/40 text-sky-700 dark:text-sky-400",
  running: "border-sky-500/40 text-sky-700 dark:text-sky-400",
  succeeded: "border-emerald-500/40 text-emerald-700 dark:text-emerald-400",
  failed: "border-red-500/40 text-red-700 dark:text-red-400",
  canceled: "border-zinc-400/50 text-zinc-600 dark:text-zinc-400",
}

/** A run's status in words, colour and icon (never colour alone). */
export function RunStatusBadge({
  status,
  className,
}: {
  status: RunStatus
  className?: string
}) {
  const Icon = ICONS[status]

  return (
    <span
      data-status={status}
      className={cn(
        "inline-flex shrink-0 items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
        COLOURS[status],
        className
      )}
    >
      <Icon
        aria-hidden="true"
        className={cn(
          "size-3.5",
          status === "running" && "animate-spin motion-reduce:animate-none"
        )}
      />
      {RUN_STATUS_LABELS[status]}
    </span>
  )
}
