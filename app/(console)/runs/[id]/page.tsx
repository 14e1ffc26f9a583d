import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { besideCurrentUser, getSignedInUserId } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import { getRunPage, LOG_TAIL_LINES } from "@/lib/runs/queries"
import {
  runFilterOptionsQueryOptions,
  seedRunPage,
} from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/server"
import { RunDetail } from "@/components/runs/run-detail"

export const metadata: Metadata = { title: "Run" }

export default async function RunPage({
  params,
}: {
  params: Promise<{ id: string }>
}) {
  const { id: rawId } = await params
  const id = dbId.safeParse(rawId)
  if (!id.success) notFound()

  const supabase = await createClient()
  const queryClient = getQueryClient()

  // The first screen is one call (ops.run_page): the header, the log's outline and its last
  // lines (the page opens at the tail however long the log; the rest is read by the viewer
  // as it scrolls, docs/runs.md), the events and the artifacts. A run that is missing or not
  // in the caller's projects, as RLS decides, is not found. The role the buttons mirror needs
  // only the verified token's user id, so both go out beside the profile read
  // (getCurrentUser), not after it: the page waits for one round trip, not two.
  const userId = await getSignedInUserId()
  const [user, [page]] = await besideCurrentUser(
    Promise.all([
      getRunPage(supabase, { runId: id.data, tailLines: LOG_TAIL_LINES }),
      queryClient.prefetchQuery(runFilterOptionsQueryOptions(supabase, userId)),
    ])
  )
  if (!page) notFound()
  seedRunPage(queryClient, user.id, id.data, page)

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RunDetail
        userId={user.id}
        runId={id.data}
        serverNow={new Date().toISOString()}
      />
    </HydrationBoundary>
  )
}
