import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import { listSessionAttachments } from "@/lib/sessions/attachments"
import { getSessionFirstScreen } from "@/lib/sessions/session-queries"
import { primeSessionQueries } from "@/lib/sessions/session-query-options"
import { createClient } from "@/lib/supabase/server"
import { SessionView } from "@/components/sessions/detail/session-view"

export const metadata: Metadata = { title: "Session" }

export default async function SessionPage({
  params,
}: {
  params: Promise<{ id: string }>
}) {
  const { id: rawId } = await params
  const id = dbId.safeParse(rawId)
  if (!id.success) notFound()

  const supabase = await createClient()

  // Awaited before anything is sent, so a session that is missing, deleted or not the
  // caller's to read (RLS decides) answers a real 404 (this segment has no loading boundary
  // above it; a failure belongs in error.tsx). One request reads the header and the first
  // page of messages; the browser reads the rest after the first paint
  // (components/sessions/detail/session-view.tsx), so 5,000 messages are not megabytes of HTML.
  const [user, screen, attachments] = await Promise.all([
    getCurrentUser(),
    getSessionFirstScreen(supabase, { id: id.data }),
    listSessionAttachments(supabase, id.data),
  ])
  if (!screen) notFound()
  const queryClient = getQueryClient()
  primeSessionQueries(queryClient, user.id, id.data, screen, attachments)

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <SessionView
        userId={user.id}
        sessionId={id.data}
        serverNow={new Date().toISOString()}
      />
    </HydrationBoundary>
  )
}
