import { z } from "zod"

import { dbId } from "@/lib/db-id"
import {
  deviceHeartbeatSchema,
  type DeviceHeartbeatResponse,
} from "@/lib/devices/schema"

import { authenticateDevice, REVOKED_MESSAGE } from "../_lib/authenticate"
import {
  errorResponse,
  handleDeviceRequest,
  jsonResponse,
  rateLimitedResponse,
  readJsonBodyAs,
  UpstreamError,
} from "../_lib/http"
import {
  HEARTBEAT_BODY_LIMIT_BYTES,
  HEARTBEAT_INTERVAL_SECONDS,
} from "../_lib/limits"
import { createRateLimiter } from "../_lib/rate-limit"
import { settleAfterHeartbeat } from "../_lib/settle-after-heartbeat"

// Twice a minute is the agent's pace; a dozen leaves room for restarts and manual runs.
const perDevice = createRateLimiter({ limit: 12, windowMs: 60_000 })

const updatedSchema = z.array(
  z.object({
    id: dbId,
    name: z.string(),
    last_seen_at: z.string(),
    lan_port: z.int(),
  })
)

/** The device reports that it is alive, with its addresses and what it can run. */
export async function POST(request: Request) {
  return handleDeviceRequest("heartbeat", async () => {
    const auth = await authenticateDevice(request)
    if (!auth.ok) return auth.response
    const { device } = auth

    const limited = perDevice.take(device.id)
    if (!limited.ok) {
      return rateLimitedResponse(
        limited.retryAfterSeconds,
        `Heartbeats are expected every ${HEARTBEAT_INTERVAL_SECONDS} seconds; this device sends them too often.`
      )
    }

    const input = await readJsonBodyAs(
      request,
      deviceHeartbeatSchema,
      HEARTBEAT_BODY_LIMIT_BYTES
    )
    if (!input.ok) return input.response
    const beat = input.value

    // Only the fields the device sent change; last_seen_at is replaced by the database's
    // clock (devices_guard_update), it only has to differ from the stored value.
    const { data, error } = await device.supabase
      .from("devices")
      .update({
        last_seen_at: new Date().toISOString(),
        ...(beat.hostname !== undefined && { hostname: beat.hostname }),
        ...(beat.platform !== undefined && { platform: beat.platform }),
        ...(beat.app_version !== undefined && {
          app_version: beat.app_version,
        }),
        ...(beat.lan_ip !== undefined && { lan_ip: beat.lan_ip }),
        ...(beat.lan_port !== undefined && { lan_port: beat.lan_port }),
        ...(beat.tunnel_url !== undefined && { tunnel_url: beat.tunnel_url }),
        ...(beat.capabilities !== undefined && {
          capabilities: beat.capabilities,
        }),
      })
      .eq("id", device.id)
      .select("id, name, last_seen_at, lan_port")
    if (error) throw new UpstreamError("devices heartbeat update", error)
    const row = updatedSchema.parse(data)[0]
    // RLS found no row: the device was revoked between authentication and this update.
    if (!row) return errorResponse(401, "device_revoked", REVOKED_MESSAGE)

    const response: DeviceHeartbeatResponse = {
      device_id: row.id,
      device_name: row.name,
      last_seen_at: row.last_seen_at,
      lan_port: row.lan_port,
      next_heartbeat_in: HEARTBEAT_INTERVAL_SECONDS,
    }
    // Search indexing left pending and runs whose workers stopped renewing their leases.
    settleAfterHeartbeat(device.supabase)

    return jsonResponse(response)
  })
}
