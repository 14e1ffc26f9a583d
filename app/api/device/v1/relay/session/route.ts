import { z } from "zod"

import { type RelaySessionResponse } from "@/lib/chat/relay-protocol"
import { getPublicEnv } from "@/lib/env"
import { DEVICE_JWT_TTL_SECONDS, mintDeviceJwt } from "@/lib/supabase/device"

import { authenticateDevice, REVOKED_MESSAGE } from "../../_lib/authenticate"
import {
  errorResponse,
  handleDeviceRequest,
  jsonResponse,
  UpstreamError,
} from "../../_lib/http"

const deviceRowSchema = z.object({
  lan_port: z.int().min(1).max(65535),
  // Written by the owner only (devices_guard_update); anything but `true` means off.
  helper_config: z
    .object({ relay: z.boolean().optional().catch(undefined) })
    .catch({}),
})

/**
 * The chat relay's session (`npm run device -- serve`, and `heartbeat --watch` / `worker` when
 * `relay_enabled`, docs/chat-relay.md): a short-lived
 * device JWT with which the agent joins its request topic "device:<id>" and answers on the
 * reply topics "device:<id>:reply:<user>" (realtime.messages policies admit this device alone
 * to both). The agent asks again before the token expires. Read under the device's own JWT,
 * so a revoked device gets a 401.
 */
export async function POST(request: Request) {
  return handleDeviceRequest("relay session", async () => {
    const auth = await authenticateDevice(request)
    if (!auth.ok) return auth.response
    const { device } = auth
    const { data, error } = await device.supabase
      .from("devices")
      .select("lan_port, helper_config")
      .eq("id", device.id)
      .maybeSingle()
    if (error) throw new UpstreamError("relay session", error)
    if (!data) return errorResponse(401, "device_revoked", REVOKED_MESSAGE)
    const env = getPublicEnv()
    const row = deviceRowSchema.parse(data)
    const body: RelaySessionResponse = {
      device_id: device.id,
      lan_port: row.lan_port,
      relay_enabled: row.helper_config.relay === true,
      realtime: {
        url: env.NEXT_PUBLIC_SUPABASE_URL,
        anon_key: env.supabaseKey,
        token: await mintDeviceJwt({
          deviceId: device.id,
          userId: device.userId,
        }),
        expires_in: DEVICE_JWT_TTL_SECONDS,
      },
    }

    return jsonResponse(body)
  })
}
