"use client"

import * as React from "react"

import { cn } from "@/lib/utils"
import { Label } from "@/components/ui/label"
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select"

import { type DeviceFilters } from "./filters"

const ROLE_LABELS: Record<DeviceFilters["role"], string> = {
  all: "All roles",
  llm_host: "LLM hosts",
  workstation: "Workstations",
}

const STATUS_LABELS: Record<DeviceFilters["status"], string> = {
  active: "Paired (not revoked)",
  online: "Online",
  offline: "Offline",
  revoked: "Revoked",
  all: "All, including revoked",
}

export function DeviceFiltersBar({
  filters,
  onChange,
  className,
  ...props
}: Omit<React.ComponentProps<"div">, "onChange"> & {
  filters: DeviceFilters
  onChange: (filters: DeviceFilters) => void
}) {
  const roleId = React.useId()
  const statusId = React.useId()

  return (
    <div
      role="group"
      aria-label="Filter devices"
      className={cn("flex flex-wrap items-end gap-3", className)}
      {...props}
    >
      <div className="grid gap-1.5">
        <Label htmlFor={roleId}>Role</Label>
        <Select
          value={filters.role}
          onValueChange={(role) =>
            onChange({ ...filters, role: role as DeviceFilters["role"] })
          }
        >
          <SelectTrigger id={roleId} className="w-44">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {Object.entries(ROLE_LABELS).map(([value, label]) => (
              <SelectItem key={value} value={value}>
                {label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={statusId}>Status</Label>
        <Select
          value={filters.status}
          onValueChange={(status) =>
            onChange({ ...filters, status: status as DeviceFilters["status"] })
          }
        >
          <SelectTrigger id={statusId} className="w-52">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {Object.entries(STATUS_LABELS).map(([value, label]) => (
              <SelectItem key={value} value={value}>
                {label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
    </div>
  )
}
