"use client"

import * as React from "react"

import {
  hasRunFilters,
  RUN_STATUSES,
  WORKFLOW_KINDS,
  type RunFilters,
  type RunStatus,
} from "@/lib/runs/filters"
import { RUN_STATUS_LABELS } from "@/lib/runs/format"
import { type RunFilterOptions } from "@/lib/runs/queries"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"

const SELECT_CLASS =
  "h-9 w-full min-w-0 truncate rounded-md border border-input bg-transparent px-2 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 dark:bg-input/30"

// The status choices: one state, or the three "not finished yet" together.
const ACTIVE: RunStatus[] = ["claimed", "queued", "running"]
const ACTIVE_VALUE = ACTIVE.join(",")

export const NO_RUN_FILTERS: Partial<RunFilters> = {
  status: [],
  project: null,
  workflow: null,
  kind: null,
  device: null,
  by: null,
  from: null,
  to: null,
}

function FilterSelect({
  label,
  value,
  onChange,
  children,
}: {
  label: string
  value: string
  onChange: (value: string) => void
  children: React.ReactNode
}) {
  const id = React.useId()

  return (
    <div className="grid min-w-0 gap-1">
      <label htmlFor={id} className="text-xs text-muted-foreground">
        {label}
      </label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className={SELECT_CLASS}
      >
        {children}
      </select>
    </div>
  )
}

/**
 * The list's filters, all kept in the URL (native selects: they render their value on the
 * server). The project is the header's project switcher (`?project=`, as on Sessions and
 * Usage); the workflows offered follow it.
 */
export function RunFiltersBar({
  filters,
  options,
  devices,
  onChange,
  className,
}: {
  filters: RunFilters
  options: RunFilterOptions | undefined
  devices: { id: string; name: string }[]
  onChange: (next: Partial<RunFilters>) => void
  className?: string
}) {
  const fromId = React.useId()
  const toId = React.useId()
  const statusValue = filters.status.join(",")
  const project = options?.projects.find(
    (item) => item.slug === filters.project
  )
  const workflows = (options?.workflows ?? []).filter(
    (workflow) => !project || workflow.project_id === project.id
  )
  // A value from a link that is not among the options is still shown, so the select never lies.
  const extra = (
    list: { id: string; name: string }[],
    current: string | null,
    fallback: string
  ) =>
    current && !list.some((item) => item.id === current) ? (
      <option value={current}>{fallback}</option>
    ) : null

  return (
    <div
      role="group"
      aria-label="Filter runs"
      className={cn(
        "grid grid-cols-2 items-end gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-7",
        className
      )}
    >
      <FilterSelect
        label="Status"
        value={statusValue}
        onChange={(value) =>
          onChange({ status: value ? (value.split(",") as RunStatus[]) : [] })
        }
      >
        <option value="">Any status</option>
        <option value={ACTIVE_VALUE}>Not finished</option>
        {RUN_STATUSES.map((status) => (
          <option key={status} value={status}>
            {RUN_STATUS_LABELS[status]}
          </option>
        ))}
        {statusValue &&
        statusValue !== ACTIVE_VALUE &&
        filters.status.length > 1 ? (
          <option value={statusValue}>
            {filters.status
              .map((status) => RUN_STATUS_LABELS[status])
              .join(", ")}
          </option>
        ) : null}
      </FilterSelect>
      <FilterSelect
        label="Workflow"
        value={filters.workflow ?? ""}
        onChange={(value) => onChange({ workflow: value || null })}
      >
        <option value="">All workflows</option>
        {workflows.map((workflow) => (
          <option key={workflow.id} value={workflow.id}>
            {workflow.name}
          </option>
        ))}
        {extra(workflows, filters.workflow, "Another workflow")}
      </FilterSelect>
      <FilterSelect
        label="Kind"
        value={filters.kind ?? ""}
        onChange={(value) =>
          onChange({ kind: (value || null) as RunFilters["kind"] })
        }
      >
        <option value="">All kinds</option>
        {WORKFLOW_KINDS.map((kind) => (
          <option key={kind} value={kind}>
            {kind}
          </option>
        ))}
      </FilterSelect>
      <FilterSelect
        label="Device"
        value={filters.device ?? ""}
        onChange={(value) => onChange({ device: value || null })}
      >
        <option value="">All devices</option>
        {devices.map((device) => (
          <option key={device.id} value={device.id}>
            {device.name}
          </option>
        ))}
        {extra(devices, filters.device, "Another device")}
      </FilterSelect>
      <FilterSelect
        label="Requested by"
        value={filters.by ?? ""}
        onChange={(value) => onChange({ by: value || null })}
      >
        <option value="">Anyone</option>
        {(options?.people ?? []).map((person) => (
          <option key={person.id} value={person.id}>
            {person.name}
          </option>
        ))}
        {extra(options?.people ?? [], filters.by, "Another member")}
      </FilterSelect>
      <div className="grid min-w-0 gap-1">
        <label htmlFor={fromId} className="text-xs text-muted-foreground">
          Queued from (UTC)
        </label>
        <Input
          id={fromId}
          type="date"
          value={filters.from ?? ""}
          max={filters.to ?? undefined}
          onChange={(event) => onChange({ from: event.target.value || null })}
        />
      </div>
      <div className="grid min-w-0 gap-1">
        <label htmlFor={toId} className="text-xs text-muted-foreground">
          Queued to (UTC)
        </label>
        <Input
          id={toId}
          type="date"
          value={filters.to ?? ""}
          min={filters.from ?? undefined}
          onChange={(event) => onChange({ to: event.target.value || null })}
        />
      </div>
      {hasRunFilters(filters) ? (
        <Button
          variant="ghost"
          size="sm"
          className="col-span-2 justify-self-start sm:col-span-1"
          onClick={() => onChange(NO_RUN_FILTERS)}
        >
          Clear filters
        </Button>
      ) : null}
    </div>
  )
}
