"use client"

import * as React from "react"
import { useQuery } from "@tanstack/react-query"
import { Ban, CheckCircle2, Pencil, Trash2, XCircle } from "lucide-react"

import { type DeviceActivity } from "@/lib/devices/queries"
import { deviceActivityQueryOptions } from "@/lib/devices/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Skeleton } from "@/components/ui/skeleton"
import { RelativeTime } from "@/components/shared/relative-time"
import { useServerNow } from "@/components/shared/use-server-now"

function describe(entry: DeviceActivity): {
  icon: React.ComponentType<{ className?: string }>
  text: string
} {
  const d = entry.details
  // inet::text carries the host mask (127.0.0.1/32); people know addresses without it.
  const ip = d.requested_ip?.replace(/\/(32|128)$/, "")
  const where = [d.hostname, ip && `from ${ip}`].filter(Boolean).join(", ")
  switch (entry.action) {
    case "device.pairing_approved":
      return {
        icon: CheckCircle2,
        text: `Paired ${d.name ?? "a device"}${where ? ` (${where})` : ""}`,
      }
    case "device.pairing_denied":
      return {
        icon: XCircle,
        text: `Denied a pairing request from ${d.name ?? "a device"}${where ? ` (${where})` : ""}`,
      }
    case "device.renamed":
      return {
        icon: Pencil,
        text: `Renamed ${d.from ?? "a device"} to ${d.to ?? "a new name"}`,
      }
    case "device.revoked":
      return { icon: Ban, text: `Revoked ${d.name ?? "a device"}` }
    case "device.deleted":
      return { icon: Trash2, text: `Removed ${d.name ?? "a device"}` }
  }
}

/** Pairings, denials, renames and revocations: who bound which machine to this account. */
export function DeviceActivityList({
  userId,
  deviceId,
  serverNow,
  className,
  ...props
}: React.ComponentProps<"section"> & {
  userId: string
  deviceId?: string
  serverNow: string
}) {
  const { data, isPending, isError, refetch } = useQuery(
    deviceActivityQueryOptions(createClient(), userId, deviceId)
  )
  const now = useServerNow(serverNow, 30_000)
  const headingId = React.useId()

  return (
    <section
      aria-labelledby={headingId}
      className={cn("space-y-3", className)}
      {...props}
    >
      <h2 id={headingId} className="text-lg font-semibold">
        Activity
      </h2>
      {isPending ? (
        <div className="space-y-2" aria-label="Loading activity">
          <Skeleton className="h-5 w-2/3" />
          <Skeleton className="h-5 w-1/2" />
        </div>
      ) : isError ? (
        <p className="text-sm text-muted-foreground">
          Could not load activity.{" "}
          <button
            type="button"
            className="underline underline-offset-4"
            onClick={() => void refetch()}
          >
            Try again
          </button>
        </p>
      ) : data.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          No pairings or revocations yet. They appear here, so you can spot a
          machine you did not pair.
        </p>
      ) : (
        <ol aria-label="Device activity" className="divide-y rounded-xl border">
          {data.map((entry) => {
            const { icon: Icon, text } = describe(entry)

            return (
              <li
                key={entry.id}
                className="flex items-start gap-3 px-4 py-3 text-sm"
              >
                <Icon
                  className="mt-0.5 size-4 shrink-0 text-muted-foreground"
                  aria-hidden="true"
                />
                <span className="min-w-0 flex-1 wrap-anywhere">{text}</span>
                <RelativeTime
                  date={entry.created_at}
                  now={now}
                  className="shrink-0 text-xs text-muted-foreground"
                />
              </li>
            )
          })}
        </ol>
      )}
    </section>
  )
}
