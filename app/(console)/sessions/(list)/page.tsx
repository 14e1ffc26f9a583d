import type { Metadata } from "next"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { besideCurrentUser, getSignedInUserId } from "@/lib/auth/current-user"
import { getQueryClient } from "@/lib/query-client"
import { parseSessionFilters, type FilterKey } from "@/lib/sessions/filters"
import {
  deletedSessionsQueryOptions,
  sessionFilterOptionsQueryOptions,
  sessionListQueryOptions,
  sessionSearchQueryOptions,
} from "@/lib/sessions/query-options"
import { createClient } from "@/lib/supabase/server"
import { SessionList } from "@/components/sessions/session-list"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Sessions" }

export default async function SessionsPage({
  searchParams,
}: {
  searchParams: Promise<Partial<Record<FilterKey, string | string[]>>>
}) {
  // The verified token's user id: the reads go out beside the profile read (getCurrentUser,
  // awaited with them), so the page waits for one round trip, not two.
  const userId = await getSignedInUserId()
  const filters = parseSessionFilters(await searchParams)
  const supabase = await createClient()
  const queryClient = getQueryClient()

  // What the first paint shows is awaited (a failed read must reach error.tsx rather than
  // let the browser retry without the session cookie and show an empty list); the filter
  // options are a side dish that loads on its own.
  const main = filters.q
    ? queryClient.fetchQuery(
        sessionSearchQueryOptions(supabase, userId, filters.q)
      )
    : filters.view === "deleted"
      ? queryClient.fetchQuery(deletedSessionsQueryOptions(supabase, userId))
      : queryClient.fetchInfiniteQuery(
          sessionListQueryOptions(supabase, userId, filters)
        )
  const [user] = await besideCurrentUser(
    Promise.all([
      main,
      queryClient.prefetchQuery(
        sessionFilterOptionsQueryOptions(supabase, userId)
      ),
    ])
  )
  const serverNow = new Date().toISOString()

  return (
    <>
      <PageHeader
        title="Sessions"
        description="Chat sessions your machines sync to the cloud, live: search them, filter by device, model, project and date, pin, archive, move, export or delete."
      />
      <HydrationBoundary state={dehydrate(queryClient)}>
        <SessionList userId={user.id} serverNow={serverNow} />
      </HydrationBoundary>
    </>
  )
}
