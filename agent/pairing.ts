import {
  type DevicePairStart,
  type DevicePairStartResponse,
  type DevicePairTokenResponse,
} from "@/lib/devices/schema"

import { type DeviceApiClient } from "./api-client"
import { sleep as defaultSleep } from "./backoff"
import { DeviceAgentError } from "./errors"

// A little over the interval: the console counts a poll that arrives even a millisecond early
// as too fast (slow_down, and the interval grows by 5 s for good).
const POLL_MARGIN_MS = 250

/**
 * RFC 8628 from the device's side: ask for a code, show it, poll at the console's interval
 * (growing it on slow_down) until approved, denied or expired.
 */
export async function pairDevice({
  client,
  info,
  onCode,
  onPoll,
  sleep = defaultSleep,
  now = Date.now,
}: {
  client: DeviceApiClient
  info: DevicePairStart
  onCode: (started: DevicePairStartResponse) => void
  onPoll?: (
    status: "authorization_pending" | "slow_down",
    interval: number
  ) => void
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}): Promise<DevicePairTokenResponse> {
  const started = await client.startPairing(info)
  onCode(started)
  const deadline = now() + started.expires_in * 1000
  let interval = started.interval

  for (;;) {
    await sleep(interval * 1000 + POLL_MARGIN_MS)
    if (now() > deadline) {
      throw new DeviceAgentError("pairing_timed_out", { server: client.server })
    }
    const result = await client.pollPairing(started.device_code)
    if (result.status === "granted") return result.grant
    // RFC 8628 §3.5: on slow_down the interval grows by 5 s; trust the console's figure.
    interval =
      result.status === "slow_down"
        ? Math.max(result.interval, interval + 5)
        : Math.max(result.interval, interval)
    onPoll?.(result.status, interval)
  }
}
