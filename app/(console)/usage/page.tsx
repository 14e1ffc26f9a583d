import type { Metadata } from "next"
import { ChartColumn } from "lucide-react"

import { EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Usage" }

export default function UsagePage() {
  return (
    <>
      <PageHeader
        title="Usage"
        description="Input, output and cached tokens and their cost by model, device, project and day."
      />
      <EmptyState
        icon={ChartColumn}
        title="No usage recorded yet"
        description="Usage is counted from the messages your machines sync, so it starts with the first synced session."
      />
    </>
  )
}
