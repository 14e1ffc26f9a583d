import { formatQueueText } from "@/lib/runs/format"
import { cn } from "@/lib/utils"

/** "3rd in queue · 2 workers online for this project · waiting 1 m 12 s" for a queued run. */
export function QueueText({
  run,
  now,
  className,
}: {
  run: {
    status: string
    queue_position: number | null
    workers_online: number | null
    queued_at: string
  }
  now: number
  className?: string
}) {
  if (run.status !== "queued" || run.queue_position === null) return null

  return (
    <p
      data-testid="queue-text"
      className={cn("text-xs text-amber-800 dark:text-amber-300", className)}
    >
      {formatQueueText({
        position: run.queue_position,
        workersOnline: run.workers_online ?? 0,
        queuedAt: run.queued_at,
        now,
      })}
    </p>
  )
}
