import { z } from "zod"

import { deriveOnlineState } from "@/lib/devices/online"
import { type Device } from "@/lib/devices/queries"

export const ROLE_FILTERS = ["all", "llm_host", "workstation"] as const
export const STATUS_FILTERS = [
  "active",
  "online",
  "offline",
  "revoked",
  "all",
] as const

export type DeviceFilters = {
  role: (typeof ROLE_FILTERS)[number]
  status: (typeof STATUS_FILTERS)[number]
}

export const DEFAULT_FILTERS: DeviceFilters = { role: "all", status: "active" }

const filtersSchema = z.object({
  role: z.enum(ROLE_FILTERS).catch("all"),
  status: z.enum(STATUS_FILTERS).catch("active"),
})

type ParamsLike = { get(name: string): string | null }

/** Filters from the URL; an unknown value falls back to the default instead of erroring. */
export function parseDeviceFilters(params: ParamsLike): DeviceFilters {
  return filtersSchema.parse({
    role: params.get("role") ?? undefined,
    status: params.get("status") ?? undefined,
  })
}

/** The query string for filters, leaving defaults out so the plain URL stays plain. */
export function filtersToSearch(
  filters: DeviceFilters,
  base?: ParamsLike & { toString(): string }
) {
  const params = new URLSearchParams(base?.toString() ?? "")
  for (const key of ["role", "status"] as const) {
    if (filters[key] === DEFAULT_FILTERS[key]) params.delete(key)
    else params.set(key, filters[key])
  }
  const search = params.toString()

  return search ? `?${search}` : ""
}

export function filterDevices(
  devices: Device[],
  filters: DeviceFilters,
  now: number
): Device[] {
  return devices.filter((device) => {
    if (filters.role !== "all" && device.role !== filters.role) return false
    const state = deriveOnlineState(device, now)
    switch (filters.status) {
      case "all":
        return true
      case "active":
        return state !== "revoked"
      case "online":
        return state === "online"
      case "offline":
        return state === "offline" || state === "never"
      case "revoked":
        return state === "revoked"
    }
  })
}
