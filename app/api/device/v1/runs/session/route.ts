import { type WorkerSessionResponse } from "@/lib/devices/runs-schema"
import { getPublicEnv } from "@/lib/env"
import { DEVICE_JWT_TTL_SECONDS, mintDeviceJwt } from "@/lib/supabase/device"

import { runsRequest } from "../_lib/runs"
import { readWorkerSettings } from "../_lib/settings"
import { recordWorkerSeen } from "../_lib/worker-seen"
import { REVOKED_MESSAGE } from "../../_lib/authenticate"
import { errorResponse, jsonResponse } from "../../_lib/http"

/**
 * The worker's session: whether its owner lets it run jobs, how many at a time and for which
 * projects, and a short-lived device JWT for its private Realtime topic "worker:<device id>"
 * (queued runs and cancels arrive there; a realtime.messages policy admits this device only).
 * The worker asks again before the token expires, which also picks up changed settings.
 */
export async function POST(request: Request) {
  return runsRequest("session", request, async (device) => {
    const [settings] = await Promise.all([
      readWorkerSettings(device),
      recordWorkerSeen(device),
    ])
    if (!settings) return errorResponse(401, "device_revoked", REVOKED_MESSAGE)
    const env = getPublicEnv()
    const body: WorkerSessionResponse = {
      device_id: device.id,
      enabled: settings.enabled,
      max_concurrent: settings.maxConcurrent,
      project_ids: settings.projectIds,
      realtime: settings.enabled
        ? {
            url: env.NEXT_PUBLIC_SUPABASE_URL,
            anon_key: env.supabaseKey,
            token: await mintDeviceJwt({
              deviceId: device.id,
              userId: device.userId,
            }),
            topic: `worker:${device.id}`,
            expires_in: DEVICE_JWT_TTL_SECONDS,
          }
        : null,
    }

    return jsonResponse(body)
  })
}
