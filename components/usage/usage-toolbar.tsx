"use client"

import * as React from "react"
import { Download } from "lucide-react"

import { saveReportingTimezone } from "@/lib/usage/actions"
import {
  PRESET_LABELS,
  RANGE_PRESETS,
  type RangePreset,
} from "@/lib/usage/range"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"

import { useUsageParams } from "./use-usage-params"

type Option = { value: string; label: string }

export function UsageToolbar({
  preset,
  from,
  to,
  timezone,
  timezoneIsSaved,
  projects,
  devices,
  models,
  selected,
}: {
  preset: RangePreset | "custom"
  from: string
  to: string
  timezone: string
  timezoneIsSaved: boolean
  projects: Option[]
  devices: Option[]
  models: Option[]
  selected: { project?: string; device?: string; model?: string }
}) {
  const { setUsageParams, pending, exportHref } = useUsageParams()
  const [saving, startSaving] = React.useTransition()
  const zones = React.useMemo(() => {
    const all = Intl.supportedValuesOf("timeZone")

    return all.includes(timezone) ? all : [timezone, ...all]
  }, [timezone])

  const go = (changes: Record<string, string | undefined>) =>
    void setUsageParams(changes)

  const handleTimezone = (value: string) => {
    startSaving(async () => {
      // The reporting timezone is a profile setting: saved, then shown.
      await saveReportingTimezone(null, { timezone: value })
      await setUsageParams({ tz: value })
    })
  }

  return (
    <div className="space-y-3" aria-busy={pending || saving}>
      {/* The download takes whatever range and filters are chosen below; it sits at the end of
          the presets' row so the filters below keep one row on a wide screen. */}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <nav aria-label="Date range" className="flex flex-wrap gap-2">
          {RANGE_PRESETS.map((value) => (
            <Button
              key={value}
              size="sm"
              variant={preset === value ? "default" : "outline"}
              aria-pressed={preset === value}
              onClick={() =>
                go({ range: value, from: undefined, to: undefined })
              }
            >
              {PRESET_LABELS[value]}
            </Button>
          ))}
        </nav>
        <Button asChild size="sm" variant="outline">
          <a href={exportHref} download>
            <Download aria-hidden="true" />
            Download CSV
          </a>
        </Button>
      </div>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(event) => {
          event.preventDefault()
          const data = new FormData(event.currentTarget)
          go({
            range: "custom",
            from: String(data.get("from") ?? ""),
            to: String(data.get("to") ?? ""),
          })
        }}
      >
        <div className="grid gap-1">
          <Label htmlFor="usage-from">From</Label>
          <Input
            id="usage-from"
            name="from"
            type="date"
            defaultValue={from}
            key={`f${from}`}
            required
            className="w-40"
          />
        </div>
        <div className="grid gap-1">
          <Label htmlFor="usage-to">To</Label>
          <Input
            id="usage-to"
            name="to"
            type="date"
            defaultValue={to}
            key={`t${to}`}
            required
            className="w-40"
          />
        </div>
        <Button type="submit" size="sm" variant="outline">
          Apply range
        </Button>
      </form>
      {/* The timezone is how days are cut, not part of the range: outside the range's form, so
          on a phone "Apply range" sits under the dates it applies. */}
      <div className="flex flex-wrap items-end gap-3">
        <div className="grid gap-1">
          <div className="flex items-baseline gap-2">
            <Label htmlFor="usage-tz">Timezone</Label>
            <span id="usage-tz-note" className="text-xs text-muted-foreground">
              {timezoneIsSaved
                ? "Your reporting timezone"
                : "Your browser's timezone"}
            </span>
          </div>
          <select
            id="usage-tz"
            className="h-9 w-56 max-w-full rounded-md border bg-background px-2 text-sm"
            value={timezone}
            onChange={(event) => handleTimezone(event.target.value)}
            aria-describedby="usage-tz-note"
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </div>
        <FilterSelect
          id="usage-project"
          label="Project"
          all="All my usage"
          options={projects}
          value={selected.project}
          onChange={(value) => go({ project: value })}
        />
        <FilterSelect
          id="usage-device"
          label="Device"
          all="All devices"
          options={devices}
          value={selected.device}
          onChange={(value) => go({ device: value })}
        />
        <FilterSelect
          id="usage-model"
          label="Model"
          all="All models"
          options={models}
          value={selected.model}
          onChange={(value) => go({ model: value })}
        />
      </div>
    </div>
  )
}

function FilterSelect({
  id,
  label,
  all,
  options,
  value,
  onChange,
}: {
  id: string
  label: string
  all: string
  options: Option[]
  value?: string
  onChange: (value: string | undefined) => void
}) {
  return (
    <div className="grid gap-1">
      <Label htmlFor={id}>{label}</Label>
      <select
        id={id}
        className="h-9 w-48 max-w-full rounded-md border bg-background px-2 text-sm"
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value || undefined)}
      >
        <option value="">{all}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  )
}
