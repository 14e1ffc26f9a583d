import * as React from "react"
import Link from "next/link"

import { formatRole } from "@/lib/devices/format"
import { deriveOnlineState } from "@/lib/devices/online"
import { type Device } from "@/lib/devices/queries"
import { cn } from "@/lib/utils"
import { Badge } from "@/components/ui/badge"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { RelativeTime } from "@/components/shared/relative-time"

import { DeviceFacts } from "./device-facts"
import { DeviceSyncStatus } from "./device-sync-status"
import { NeverConnectedHint } from "./never-connected-hint"
import { OnlineBadge } from "./online-badge"

export function DeviceCard({
  device,
  now,
  lastSyncedAt,
  className,
  ...props
}: React.ComponentProps<"div"> & {
  device: Device
  now: number
  /** The newest change this device pushed; undefined while loading. */
  lastSyncedAt?: string | null
}) {
  const state = deriveOnlineState(device, now)
  const titleId = `device-${device.id}-title`

  return (
    <Card
      role="article"
      aria-labelledby={titleId}
      data-device-id={device.id}
      className={cn("gap-4", state === "revoked" && "opacity-75", className)}
      {...props}
    >
      <CardHeader className="gap-2">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <CardTitle id={titleId} className="min-w-0 text-base">
            <Link
              href={`/devices/${device.id}`}
              className="rounded-sm wrap-anywhere outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50"
            >
              {device.name}
            </Link>
          </CardTitle>
          <OnlineBadge state={state} />
        </div>
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
          <Badge variant="outline">{formatRole(device.role)}</Badge>
          <span>
            {state === "revoked" && device.revoked_at ? (
              <>
                Revoked <RelativeTime date={device.revoked_at} now={now} />
              </>
            ) : device.last_seen_at ? (
              <>
                Last seen <RelativeTime date={device.last_seen_at} now={now} />
              </>
            ) : (
              "No heartbeat yet"
            )}
          </span>
        </div>
        {state !== "revoked" && (
          <DeviceSyncStatus
            device={device}
            lastSyncedAt={lastSyncedAt}
            now={now}
          />
        )}
        {state === "never" && <NeverConnectedHint />}
      </CardHeader>
      <CardContent>
        <DeviceFacts device={device} />
      </CardContent>
    </Card>
  )
}
