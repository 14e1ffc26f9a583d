import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { dbId } from "@/lib/db-id"
import {
  deviceActivityQueryOptions,
  deviceQueryOptions,
  deviceRunsQueryOptions,
  deviceSessionsQueryOptions,
  deviceUsageQueryOptions,
} from "@/lib/devices/query-options"
import { getQueryClient } from "@/lib/query-client"
import { createClient } from "@/lib/supabase/server"
import { DeviceDetail } from "@/components/devices/device-detail"

export const metadata: Metadata = { title: "Device" }

export default async function DevicePage({
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

  // The device itself is awaited (a failure belongs in error.tsx, a miss in not-found);
  // the sections load their own errors and empty states.
  const [device] = await Promise.all([
    queryClient.fetchQuery(deviceQueryOptions(supabase, user.id, id.data)),
    queryClient.prefetchQuery(
      deviceSessionsQueryOptions(supabase, user.id, id.data)
    ),
    queryClient.prefetchQuery(
      deviceRunsQueryOptions(supabase, user.id, id.data)
    ),
    queryClient.prefetchQuery(
      deviceUsageQueryOptions(supabase, user.id, id.data)
    ),
    queryClient.prefetchQuery(
      deviceActivityQueryOptions(supabase, user.id, id.data)
    ),
  ])
  if (!device) notFound()

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <DeviceDetail
        userId={user.id}
        deviceId={id.data}
        serverNow={new Date().toISOString()}
      />
    </HydrationBoundary>
  )
}
