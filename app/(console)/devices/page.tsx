import type { Metadata } from "next"
import Link from "next/link"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"
import { Link2 } from "lucide-react"

import { getCurrentUser } from "@/lib/auth/current-user"
import {
  deviceActivityQueryOptions,
  devicesQueryOptions,
} from "@/lib/devices/query-options"
import { getQueryClient } from "@/lib/query-client"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import { DeviceActivityList } from "@/components/devices/device-activity"
import { DeviceList } from "@/components/devices/device-list"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Devices" }

export default async function DevicesPage() {
  const user = await getCurrentUser()
  const supabase = await createClient()
  const queryClient = getQueryClient()

  // Awaited, unlike a streaming prefetch: a failed read must reach error.tsx rather than
  // let the client component retry without the session cookie and show an empty list.
  await Promise.all([
    queryClient.fetchQuery(devicesQueryOptions(supabase, user.id)),
    queryClient.prefetchQuery(deviceActivityQueryOptions(supabase, user.id)),
  ])
  const serverNow = new Date().toISOString()

  return (
    <>
      <PageHeader
        title="Devices"
        description="Your paired machines: online state, LAN and tunnel addresses, the LLM server's health, loaded models and measured speed."
      >
        <Button asChild>
          <Link href="/pair">
            <Link2 aria-hidden="true" />
            Pair a device
          </Link>
        </Button>
      </PageHeader>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <DeviceList userId={user.id} serverNow={serverNow} />
        <DeviceActivityList userId={user.id} serverNow={serverNow} />
      </HydrationBoundary>
    </>
  )
}
