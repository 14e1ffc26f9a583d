import type { Metadata } from "next"
import { MessagesSquare } from "lucide-react"

import { formatQuantity } from "@/lib/format"
import { listRecentSessions, type RecentSessions } from "@/lib/sessions/queries"
import { createClient } from "@/lib/supabase/server"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"
import {
  Fact,
  RecentList,
  RecentListItem,
} from "@/components/shell/recent-list"

export const metadata: Metadata = { title: "Sessions" }

export default async function SessionsPage() {
  // The server client is untyped; the rows it returns are the generated Database's.
  const supabase = await createClient()
  let result: RecentSessions | null = null
  try {
    result = await listRecentSessions(supabase)
  } catch (error) {
    console.error("[sessions]", error)
  }
  const now = new Date().getTime()

  return (
    <>
      <PageHeader
        title="Sessions"
        description="Chat sessions your machines sync to the cloud, searchable, with each message's model, tokens, speed and cost."
      />
      {!result ? (
        <LoadErrorState what="sessions" />
      ) : result.total === 0 ? (
        <EmptyState
          icon={MessagesSquare}
          title="No sessions synced yet"
          description="Sessions appear here once a paired machine syncs its chats to the console."
        />
      ) : (
        <RecentList
          title="Recently updated"
          summary={`${formatQuantity(result.total, "session")} in all; the ${result.sessions.length} most recently updated:`}
        >
          {result.sessions.map((session) => (
            <RecentListItem
              key={session.id}
              title={session.title || "Untitled session"}
              facts={
                <>
                  <Fact text={session.device_name ?? "No device"} />
                  <Fact text={session.model ?? "Model not reported"} />
                  <span>
                    {formatQuantity(session.message_count, "message")}
                  </span>
                  <span>
                    Updated <RelativeTime date={session.updated_at} now={now} />
                  </span>
                </>
              }
            />
          ))}
        </RecentList>
      )}
    </>
  )
}
