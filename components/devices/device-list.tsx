"use client"

import * as React from "react"
import Link from "next/link"
import { usePathname, useRouter, useSearchParams } from "next/navigation"
import { useQuery, useSuspenseQuery } from "@tanstack/react-query"
import { Monitor, SearchX } from "lucide-react"

import { ONLINE_RECHECK_MS } from "@/lib/devices/online"
import {
  devicesQueryOptions,
  deviceSyncQueryOptions,
} from "@/lib/devices/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { useServerNow } from "@/components/shared/use-server-now"
import { CommandHint, EmptyState } from "@/components/shell/empty-state"

import { DeviceCard } from "./device-card"
import { DeviceFiltersBar } from "./device-filters-bar"
import {
  DEFAULT_FILTERS,
  filterDevices,
  filtersToSearch,
  parseDeviceFilters,
  type DeviceFilters,
} from "./filters"
import { LiveIndicator } from "./live-indicator"
import { useDevicesRealtime } from "./use-devices-realtime"

export const PAIR_COMMAND = "npm run device -- pair"

export function DeviceList({
  userId,
  serverNow,
  className,
  ...props
}: React.ComponentProps<"div"> & { userId: string; serverNow: string }) {
  const { data: devices } = useSuspenseQuery(
    devicesQueryOptions(createClient(), userId)
  )
  const synced = useQuery(deviceSyncQueryOptions(createClient(), userId))
  const live = useDevicesRealtime(userId)
  const now = useServerNow(serverNow, ONLINE_RECHECK_MS)
  const router = useRouter()
  const pathname = usePathname()
  const searchParams = useSearchParams()
  const filters = parseDeviceFilters(searchParams)

  const handleFiltersChange = (next: DeviceFilters) => {
    router.replace(`${pathname}${filtersToSearch(next, searchParams)}`, {
      scroll: false,
    })
  }

  if (devices.length === 0) {
    return (
      <div className={cn("space-y-4", className)} {...props}>
        <LiveIndicator state={live} />
        <EmptyState
          icon={Monitor}
          title="No devices paired yet"
          description="Pair a machine by running this in the console's repository on that machine, then approve the code it shows here."
        >
          <CommandHint command={PAIR_COMMAND} />
          <Button asChild variant="outline">
            <Link href="/pair">I have a code</Link>
          </Button>
        </EmptyState>
      </div>
    )
  }

  const shown = filterDevices(devices, filters, now)

  return (
    <div className={cn("space-y-4", className)} {...props}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <DeviceFiltersBar filters={filters} onChange={handleFiltersChange} />
        <LiveIndicator state={live} />
      </div>
      <p className="sr-only" aria-live="polite">
        {shown.length} of {devices.length} devices shown
      </p>
      {shown.length === 0 ? (
        <EmptyState
          icon={SearchX}
          title="No devices match these filters"
          description="Change the role or status, or show every device."
        >
          <Button
            variant="outline"
            onClick={() => handleFiltersChange(DEFAULT_FILTERS)}
          >
            Clear filters
          </Button>
        </EmptyState>
      ) : (
        <ul
          aria-label="Devices"
          className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-3"
        >
          {shown.map((device) => (
            <li key={device.id} className="min-w-0">
              <DeviceCard
                device={device}
                now={now}
                lastSyncedAt={
                  synced.data
                    ? (synced.data[device.id]?.last_synced_at ?? null)
                    : undefined
                }
                className="h-full"
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
