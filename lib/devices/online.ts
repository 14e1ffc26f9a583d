/**
 * A device is online when its last heartbeat is at most this old, 90 s itself included
 * (docs/device-api.md). This is the only definition of online: the console derives it in the
 * browser on the server's clock, so a card turns offline on time without a new row.
 */
export const ONLINE_WINDOW_MS = 90_000

/** How often the console re-derives online state while a page is open. */
export const ONLINE_RECHECK_MS = 5_000

export type DeviceOnlineState = "online" | "offline" | "never" | "revoked"

type OnlineInput = {
  last_seen_at: string | null
  revoked_at: string | null
}

/**
 * Online means "not revoked and heard from within the last 90 s", judged on the server's
 * clock: `now` is the browser's clock corrected by the skew measured against the server.
 */
export function deriveOnlineState(
  device: OnlineInput,
  now: number
): DeviceOnlineState {
  if (device.revoked_at) return "revoked"
  if (!device.last_seen_at) return "never"
  const seen = Date.parse(device.last_seen_at)
  if (Number.isNaN(seen)) return "never"

  return now - seen <= ONLINE_WINDOW_MS ? "online" : "offline"
}

/**
 * When a device that is online now turns offline if no heartbeat arrives, so a timer can
 * wake exactly then; null when nothing will change without new data.
 */
export function msUntilOffline(
  device: OnlineInput,
  now: number
): number | null {
  if (deriveOnlineState(device, now) !== "online") return null
  const seen = Date.parse(device.last_seen_at!)

  return Math.max(0, seen + ONLINE_WINDOW_MS - now + 1)
}
