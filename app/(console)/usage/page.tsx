import type { Metadata } from "next"
import { ChartColumn } from "lucide-react"

import { formatCount, formatUsd } from "@/lib/format"
import { createClient } from "@/lib/supabase/server"
import { getUsageByModel, type UsageSummary } from "@/lib/usage/queries"
import {
  Table,
  TableBody,
  TableCell,
  TableFooter,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Usage" }

export default async function UsagePage() {
  // The server client is untyped; the rows it returns are the generated Database's.
  const supabase = await createClient()
  let usage: UsageSummary | null = null
  try {
    usage = await getUsageByModel(supabase)
  } catch (error) {
    console.error("[usage]", error)
  }

  return (
    <>
      <PageHeader
        title="Usage"
        description="Input, output and cached tokens and their cost by model, device, project and day."
      />
      {!usage ? (
        <LoadErrorState what="usage" />
      ) : usage.byModel.length === 0 ? (
        <EmptyState
          icon={ChartColumn}
          title="No usage in the last 30 days"
          description="Usage is counted from the messages your machines sync, so it starts with the first synced session."
        />
      ) : (
        <section aria-labelledby="usage-by-model" className="min-w-0 space-y-3">
          <div className="space-y-1">
            <h2 id="usage-by-model" className="text-lg font-semibold">
              By model, last {usage.days} days
            </h2>
            <p className="text-sm text-muted-foreground">
              {formatCount(usage.total.messages)} message
              {usage.total.messages === 1 ? "" : "s"} since {usage.since} (UTC
              days), costing {formatUsd(usage.total.costUsd)} at the
              models&apos; prices.
            </p>
          </div>
          <div className="rounded-xl border">
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Model</TableHead>
                  <TableHead className="text-right">Messages</TableHead>
                  <TableHead className="text-right">Input</TableHead>
                  <TableHead className="text-right">Output</TableHead>
                  <TableHead className="text-right">Cached</TableHead>
                  <TableHead className="text-right">Cost</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {usage.byModel.map((row) => {
                  const model = row.model ?? "Not reported"

                  return (
                    <TableRow key={model}>
                      <TableCell
                        className="max-w-32 truncate font-medium sm:max-w-48"
                        title={model}
                      >
                        {model}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {formatCount(row.messages)}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {formatCount(row.inputTokens)}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {formatCount(row.outputTokens)}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {formatCount(row.cachedTokens)}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {formatUsd(row.costUsd)}
                      </TableCell>
                    </TableRow>
                  )
                })}
              </TableBody>
              <TableFooter>
                <TableRow>
                  <TableCell>All models</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {formatCount(usage.total.messages)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {formatCount(usage.total.inputTokens)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {formatCount(usage.total.outputTokens)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {formatCount(usage.total.cachedTokens)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {formatUsd(usage.total.costUsd)}
                  </TableCell>
                </TableRow>
              </TableFooter>
            </Table>
          </div>
        </section>
      )}
    </>
  )
}
