import { type AuthenticatedDevice } from "../../_lib/authenticate"

/**
 * Notes that this device's worker is running (public.record_worker_seen, shown on the
 * device's page). Its session and claim requests call it beside their own reads, so it costs
 * them no round trip; a failure is logged and never fails the worker's request, since the
 * note only informs the page.
 */
export async function recordWorkerSeen(
  device: AuthenticatedDevice
): Promise<void> {
  const { error } = await device.supabase.rpc("record_worker_seen")
  if (error)
    console.error(
      `[device api] record_worker_seen for ${device.id}: ${error.code} ${error.message}`
    )
}
