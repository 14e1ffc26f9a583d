import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import { LOG_CHUNK_LINES } from "@/lib/runs/queries"
import {
  runArtifactsQueryOptions,
  runEventsQueryOptions,
  runFilterOptionsQueryOptions,
  runLogChunkQueryOptions,
  runLogOutlineQueryOptions,
  runQueryOptions,
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

  // The header, the log's outline and its tail are awaited together: the page paints with
  // the last lines in place however long the log (docs/runs.md). A run that is missing or
  // not in the caller's projects, as RLS decides, is not found. Events, artifacts and the
  // role the buttons mirror load beside it.
  const [run, outline] = await Promise.all([
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
  ])
  if (!run) notFound()
  const last = outline.find((marker) => marker.kind === "last")?.line_no
  if (last) {
    const tail = Math.floor((last - 1) / LOG_CHUNK_LINES)
    await queryClient.prefetchQuery(
      runLogChunkQueryOptions(supabase, user.id, id.data, tail)
    )
  }

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
