import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import {
  sessionHeaderQueryOptions,
  sessionThreadQueryOptions,
} from "@/lib/sessions/session-query-options"
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
  // or not the caller's to read, as RLS decides, is not found). The messages are prefetched,
  // not awaited: the header paints at once and the conversation streams in behind it (the
  // pending query is dehydrated, lib/query-client.ts), however long the session.
  const header = await queryClient.fetchQuery(
    sessionHeaderQueryOptions(supabase, user.id, id.data)
  )
  if (!header) notFound()
  void queryClient.prefetchQuery(
    sessionThreadQueryOptions(supabase, user.id, id.data)
  )

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
