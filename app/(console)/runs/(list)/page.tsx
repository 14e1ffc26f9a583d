import type { Metadata } from "next"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"
import { z } from "zod"

import { besideCurrentUser, getSignedInUserId } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import { getQueryClient } from "@/lib/query-client"
import { parseRunFilters, type RunFilterKey } from "@/lib/runs/filters"
import {
  runFilterOptionsQueryOptions,
  runListQueryOptions,
} from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/server"
import { RunList } from "@/components/runs/run-list"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Runs" }

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Partial<Record<RunFilterKey, string | string[]>>>
}) {
  const userId = await getSignedInUserId()
  const filters = parseRunFilters(await searchParams)
  const supabase = await createClient()
  const queryClient = getQueryClient()

  // The first page is awaited (a failed read must reach error.tsx rather than let the browser
  // retry without the session cookie and show an empty list); the filter options load beside
  // it. The device filter offers the user's own devices (the only ones they can name). All of
  // it goes out beside the profile read (getCurrentUser), with the verified token's user id.
  const [user, [, , devices]] = await besideCurrentUser(
    Promise.all([
      queryClient.fetchInfiniteQuery(
        runListQueryOptions(supabase, userId, filters)
      ),
      queryClient.prefetchQuery(runFilterOptionsQueryOptions(supabase, userId)),
      supabase
        .from("devices")
        .select("id, name")
        .is("revoked_at", null)
        .order("name")
        .limit(200),
    ])
  )
  const serverNow = new Date().toISOString()

  return (
    <>
      <PageHeader
        title="Runs"
        description="Workflow runs of every project you belong to, live: the queue with each run's place, runs in progress and their history."
      />
      <HydrationBoundary state={dehydrate(queryClient)}>
        <RunList
          userId={user.id}
          serverNow={serverNow}
          devices={z
            .array(z.object({ id: dbId, name: z.string() }))
            .catch([])
            .parse(devices.data ?? [])}
        />
      </HydrationBoundary>
    </>
  )
}
