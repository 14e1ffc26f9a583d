import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import { listRunLogTail, LOG_TAIL_LINES } from "@/lib/runs/queries"
import {
  runArtifactsQueryOptions,
  runEventsQueryOptions,
  runFilterOptionsQueryOptions,
  runLogOutlineQueryOptions,
  runQueryOptions,
  seedRunLogTail,
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

  const user = await getCurrentUser()
  const supabase = await createClient()
  const queryClient = getQueryClient()

  // Everything the first screen shows is read at once, in parallel: the header, the log's
  // outline and its last lines (the page opens at the tail however long the log; the rest of
  // the log is read by the viewer as it scrolls, docs/runs.md). A run that is missing or not
  // in the caller's projects, as RLS decides, is not found. Events, artifacts and the role the
  // buttons mirror load beside it.
  const [run, , , , , tail] = await Promise.all([
    queryClient.fetchQuery(runQueryOptions(supabase, user.id, id.data)),
    queryClient.fetchQuery(
      runLogOutlineQueryOptions(supabase, user.id, id.data)
    ),
    queryClient.prefetchQuery(
      runEventsQueryOptions(supabase, user.id, id.data)
    ),
    queryClient.prefetchQuery(
      runArtifactsQueryOptions(supabase, user.id, id.data)
    ),
    queryClient.prefetchQuery(runFilterOptionsQueryOptions(supabase, user.id)),
    listRunLogTail(supabase, { runId: id.data, count: LOG_TAIL_LINES }),
  ])
  if (!run) notFound()
  seedRunLogTail(queryClient, user.id, id.data, tail)

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
