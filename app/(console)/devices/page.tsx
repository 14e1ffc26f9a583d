import type { Metadata } from "next"
import { Monitor } from "lucide-react"

import { CommandHint, EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Devices" }

export default function DevicesPage() {
  return (
    <>
      <PageHeader
        title="Devices"
        description="Your paired machines: online state, LAN and tunnel addresses, the LLM server's health, loaded models and measured speed."
      />
      <EmptyState
        icon={Monitor}
        title="No devices paired yet"
        description="Pair a machine by running this in the console's repository on that machine, then approve the code it shows."
      >
        <CommandHint command="npm run device -- pair" />
      </EmptyState>
    </>
  )
}
