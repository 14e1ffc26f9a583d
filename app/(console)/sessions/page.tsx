import type { Metadata } from "next"
import { MessagesSquare } from "lucide-react"

import { CommandHint, EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Sessions" }

export default function SessionsPage() {
  return (
    <>
      <PageHeader
        title="Sessions"
        description="Chat sessions your machines sync to the cloud, searchable, with each message's model, tokens, speed and cost."
      />
      <EmptyState
        icon={MessagesSquare}
        title="No sessions synced yet"
        description="Sessions appear here once a paired machine syncs a folder of chats."
      >
        <CommandHint command="npm run device -- sync <folder>" />
      </EmptyState>
    </>
  )
}
