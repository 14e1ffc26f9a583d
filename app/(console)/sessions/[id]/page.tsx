import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import { sessionHeaderQueryOptions } from "@/lib/sessions/session-query-options"
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

  const user = await getCurrentUser()
  const supabase = await createClient()
  const queryClient = getQueryClient()

  // The header is awaited (a failure belongs in error.tsx; a session that is missing, deleted
  // or not the caller's to read, as RLS decides, is not found). The messages are not in the
  // HTML: the browser reads them after the first paint (components/sessions/detail).
  const header = await queryClient.fetchQuery(
    sessionHeaderQueryOptions(supabase, user.id, id.data)
  )
  if (!header) notFound()

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
