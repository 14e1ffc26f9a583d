import * as React from "react"

import { cn } from "@/lib/utils"

/** The agent command that brings a paired but silent device online (agent/cli.ts). */
export const KEEP_ONLINE_COMMAND = "npm run device -- heartbeat --watch"

/**
 * For a device that has never sent a heartbeat: the agent's `pair` starts heartbeats by
 * itself, so this shows only when that run was stopped (or used --once) before the console
 * heard from it.
 */
export function NeverConnectedHint({
  className,
  ...props
}: React.ComponentProps<"p">) {
  return (
    <p
      className={cn("text-xs wrap-anywhere text-muted-foreground", className)}
      {...props}
    >
      It has not reported yet. To bring it online, run{" "}
      <code className="rounded bg-muted px-1 py-0.5 font-mono break-all">
        {KEEP_ONLINE_COMMAND}
      </code>{" "}
      on that machine.
    </p>
  )
}
