import * as React from "react"

import { type DeviceOnlineState } from "@/lib/devices/online"
import { cn } from "@/lib/utils"

const LABELS: Record<DeviceOnlineState, string> = {
  online: "Online",
  offline: "Offline",
  never: "Never connected",
  revoked: "Revoked",
}

const DOTS: Record<DeviceOnlineState, string> = {
  online: "bg-emerald-500",
  offline: "bg-zinc-400 dark:bg-zinc-500",
  never: "bg-amber-500",
  revoked: "bg-red-500",
}

/** Colour is never the only signal: the state is always written out. */
export function OnlineBadge({
  state,
  className,
  ...props
}: React.ComponentProps<"span"> & { state: DeviceOnlineState }) {
  return (
    <span
      data-state={state}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
        state === "online" &&
          "border-emerald-500/40 text-emerald-700 dark:text-emerald-400",
        state === "revoked" &&
          "border-red-500/40 text-red-700 dark:text-red-400",
        className
      )}
      {...props}
    >
      <span
        aria-hidden="true"
        className={cn(
          "size-2 rounded-full",
          DOTS[state],
          state === "online" && "motion-safe:animate-pulse"
        )}
      />
      {LABELS[state]}
    </span>
  )
}
