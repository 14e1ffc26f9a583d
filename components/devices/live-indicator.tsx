import * as React from "react"

import { cn } from "@/lib/utils"

import { type RealtimeState } from "./use-devices-realtime"

const TEXT: Record<RealtimeState, string> = {
  connecting: "Connecting to live updates…",
  live: "Live",
  offline: "Live updates paused; reconnecting…",
}

export function LiveIndicator({
  state,
  className,
  ...props
}: React.ComponentProps<"p"> & { state: RealtimeState }) {
  return (
    <p
      role="status"
      data-state={state}
      className={cn(
        "flex items-center gap-2 text-xs text-muted-foreground",
        className
      )}
      {...props}
    >
      <span
        aria-hidden="true"
        className={cn(
          "size-2 rounded-full",
          state === "live"
            ? "bg-emerald-500"
            : state === "offline"
              ? "bg-amber-500"
              : "bg-zinc-400"
        )}
      />
      {TEXT[state]}
    </p>
  )
}
