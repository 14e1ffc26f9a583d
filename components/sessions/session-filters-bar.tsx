"use client"

import * as React from "react"

import { type SessionFilters } from "@/lib/sessions/filters"
import { type SessionFilterOptions } from "@/lib/sessions/queries"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select"

// Radix Select has no empty value: "all" stands for "no filter".
const ALL = "all"

const TOOL_LABELS: Record<SessionFilters["tools"], string> = {
  any: "Any",
  yes: "With tool calls",
  no: "Without tool calls",
}

export function SessionFiltersBar({
  filters,
  options,
  onChange,
  className,
  ...props
}: Omit<React.ComponentProps<"div">, "onChange"> & {
  filters: SessionFilters
  options: SessionFilterOptions | undefined
  onChange: (next: Partial<SessionFilters>) => void
}) {
  const id = React.useId()
  const pick = (value: string) => (value === ALL ? null : value)
  // A filter from a link whose value is not among the options (a device of a project
  // member, a model seen only in messages) is still shown, by its raw value.
  const withCurrent = <T extends { id: string; name: string }>(
    list: T[],
    current: string | null,
    fallback: string
  ) =>
    current && !list.some((item) => item.id === current)
      ? [...list, { id: current, name: fallback } as T]
      : list

  const devices = withCurrent(
    options?.devices ?? [],
    filters.device,
    "Another device"
  )
  const projects = withCurrent(
    options?.projects ?? [],
    filters.project,
    "Another project"
  )
  const models =
    filters.model && !options?.models.includes(filters.model)
      ? [...(options?.models ?? []), filters.model]
      : (options?.models ?? [])
  // Each trigger names its value itself: Radix's SelectValue learns an item's text only once
  // the items have rendered in the browser, so server-rendered triggers would be blank.
  const deviceLabel = filters.device
    ? (devices.find((device) => device.id === filters.device)?.name ??
      "Another device")
    : "All devices"
  const projectLabel = filters.project
    ? (projects.find((project) => project.id === filters.project)?.name ??
      "Another project")
    : "All projects"
  const narrowed =
    filters.device ||
    filters.model ||
    filters.project ||
    filters.from ||
    filters.to ||
    filters.tools !== "any"

  return (
    <div
      role="group"
      aria-label="Filter sessions"
      className={cn("flex flex-wrap items-end gap-3", className)}
      {...props}
    >
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-device`}>Device</Label>
        <Select
          value={filters.device ?? ALL}
          onValueChange={(value) => onChange({ device: pick(value) })}
        >
          <SelectTrigger id={`${id}-device`} className="w-44">
            <SelectValue>
              <span className="truncate">{deviceLabel}</span>
            </SelectValue>
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ALL}>All devices</SelectItem>
            {devices.map((device) => (
              <SelectItem key={device.id} value={device.id}>
                {device.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-model`}>Model</Label>
        <Select
          value={filters.model ?? ALL}
          onValueChange={(value) => onChange({ model: pick(value) })}
        >
          <SelectTrigger id={`${id}-model`} className="w-52">
            <SelectValue>
              <span className="truncate">{filters.model ?? "All models"}</span>
            </SelectValue>
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ALL}>All models</SelectItem>
            {models.map((model) => (
              <SelectItem key={model} value={model}>
                {model}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-project`}>Project</Label>
        <Select
          value={filters.project ?? ALL}
          onValueChange={(value) => onChange({ project: pick(value) })}
        >
          <SelectTrigger id={`${id}-project`} className="w-44">
            <SelectValue>
              <span className="truncate">{projectLabel}</span>
            </SelectValue>
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ALL}>All projects</SelectItem>
            {projects.map((project) => (
              <SelectItem key={project.id} value={project.id}>
                {project.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-tools`}>Tool calls</Label>
        <Select
          value={filters.tools}
          onValueChange={(value) =>
            onChange({ tools: value as SessionFilters["tools"] })
          }
        >
          <SelectTrigger id={`${id}-tools`} className="w-44">
            <SelectValue>{TOOL_LABELS[filters.tools]}</SelectValue>
          </SelectTrigger>
          <SelectContent>
            {Object.entries(TOOL_LABELS).map(([value, label]) => (
              <SelectItem key={value} value={value}>
                {label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-from`}>Active from (UTC)</Label>
        <Input
          id={`${id}-from`}
          type="date"
          className="w-40"
          value={filters.from ?? ""}
          max={filters.to ?? undefined}
          onChange={(event) => onChange({ from: event.target.value || null })}
        />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-to`}>Active until (UTC)</Label>
        <Input
          id={`${id}-to`}
          type="date"
          className="w-40"
          value={filters.to ?? ""}
          min={filters.from ?? undefined}
          onChange={(event) => onChange({ to: event.target.value || null })}
        />
      </div>
      {narrowed ? (
        <Button
          variant="ghost"
          onClick={() =>
            onChange({
              device: null,
              model: null,
              project: null,
              from: null,
              to: null,
              tools: "any",
            })
          }
        >
          Clear filters
        </Button>
      ) : null}
    </div>
  )
}
