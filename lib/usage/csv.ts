import { z } from "zod"

import { type Client } from "@/lib/supabase/types"

import { type UsageFilters } from "./dashboard"
import { type DateRange } from "./range"

/** Days per usage_report_days call while exporting: bounded memory whatever the range, and few
 * enough calls that their fixed cost (planning, the policies) does not dominate. */
export const EXPORT_CHUNK_DAYS = 92

const amount = z
  .union([z.number(), z.string(), z.null()])
  .transform((value) => Number(value ?? 0))

/** One usage_report row; costs as exact decimal text. */
export type ReportRow = {
  day: string
  model: string
  device_id: string | null
  project_id: string | null
  message_count: number
  input_tokens: number
  output_tokens: number
  cached_tokens: number
  cost_usd: string
  local_cost_usd: string
  cloud_equivalent_usd: string
}

export function csvHeader(timezone: string): string[] {
  return [
    `date (${timezone})`,
    "model",
    "device_id",
    "device",
    "project_id",
    "project",
    "messages",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_usd",
    "local_cost_usd",
    "cloud_equivalent_usd",
  ]
}

/** RFC 4180 quoting, and a leading apostrophe for cells a spreadsheet would run as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return ""
  let text = String(value)
  if (/^[=+\-@\t\r]/.test(text) && typeof value === "string") text = `'${text}`
  if (/[",\n\r]/.test(text)) return `"${text.replaceAll('"', '""')}"`

  return text
}

export function csvLine(cells: (string | number | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`
}

export function csvRow(
  row: ReportRow,
  names: { devices: Map<string, string>; projects: Map<string, string> }
): string {
  return csvLine([
    row.day,
    row.model,
    row.device_id,
    row.device_id ? (names.devices.get(row.device_id) ?? null) : null,
    row.project_id,
    row.project_id ? (names.projects.get(row.project_id) ?? null) : null,
    row.message_count,
    row.input_tokens,
    row.output_tokens,
    row.cached_tokens,
    row.cost_usd,
    row.local_cost_usd,
    row.cloud_equivalent_usd,
  ])
}

/** usage-2026-11-04-to-2026-12-03-Europe_Berlin.csv */
export function csvFileName(range: DateRange, timezone: string): string {
  return `usage-${range.from}-to-${range.to}-${timezone.replaceAll("/", "_")}.csv`
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)

  return d.toISOString().slice(0, 10)
}

const dayRowsSchema = z.object({
  day: z.string(),
  rows: z.array(
    z.tuple([
      z.string(),
      z.string().nullable(),
      z.string().nullable(),
      amount,
      amount,
      amount,
      amount,
      z.string(),
      z.string(),
      z.string(),
    ])
  ),
})

/** The range's report rows, EXPORT_CHUNK_DAYS per request (usage_report_days), in day order. */
export async function* reportRows(
  supabase: Client,
  {
    range,
    timezone,
    filters,
  }: { range: DateRange; timezone: string; filters: UsageFilters }
): AsyncGenerator<ReportRow> {
  for (
    let from = range.from;
    from <= range.to;
    from = addDays(from, EXPORT_CHUNK_DAYS)
  ) {
    const chunkEnd = addDays(from, EXPORT_CHUNK_DAYS - 1)
    const to = chunkEnd < range.to ? chunkEnd : range.to
    const { data, error } = await supabase.rpc("usage_report_days", {
      p_from: from,
      p_to: to,
      p_tz: timezone,
      p_project: filters.projectId ?? undefined,
      p_device: filters.deviceId ?? undefined,
      p_model: filters.model ?? undefined,
    })
    if (error) throw new Error(`reportRows: ${error.code} ${error.message}`)
    for (const { day, rows } of z.array(dayRowsSchema).parse(data)) {
      for (const [
        model,
        device,
        project,
        messages,
        input,
        output,
        cached,
        cost,
        local,
        cloud,
      ] of rows) {
        yield {
          day,
          model,
          device_id: device,
          project_id: project,
          message_count: messages,
          input_tokens: input,
          output_tokens: output,
          cached_tokens: cached,
          cost_usd: cost,
          local_cost_usd: local,
          cloud_equivalent_usd: cloud,
        }
      }
    }
  }
}
