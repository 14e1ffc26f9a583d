// `npm run dev`'s demo LLM host: heartbeats for the seeded "Studio Mac" through the real
// device API, as its agent would send them, so the demo shows an online host with this
// machine's real capabilities. The seed stores the hash of this public demo secret
// (supabase/seed.sql); nothing here works against a database seeded otherwise.
import { createDeviceApiClient, type DeviceApiClient } from "../agent/api-client"
import { appVersion } from "../agent/app-version"
import { collectHeartbeat } from "../agent/collect"
import { DeviceAgentError } from "../agent/errors"
import { isTransientAgentError, keepOnline } from "../agent/keep-online"

export const DEMO_DEVICE_SECRET =
  "lmxd_dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd0001"

type Beat = Parameters<DeviceApiClient["heartbeat"]>[1]

/**
 * Sends the demo host's heartbeats until stopped or refused. Quiet while the app is still
 * starting (the first requests wait for `next dev` to compile the route); one line when the
 * host is online and one if the console refuses it (revoked in the console, or a database
 * seeded before the demo secret existed: `npm run dev -- --reset`).
 */
export async function runDemoHeartbeat({
  appUrl,
  log = (line) => console.log(line),
  client = createDeviceApiClient({
    server: appUrl,
    // next dev compiles the route on its first request; give it time.
    timeoutMs: 120_000,
  }),
  collect = async () => (await collectHeartbeat({ appVersion: appVersion() })).heartbeat,
  sleep,
  signal,
}: {
  appUrl: string
  log?: (line: string) => void
  client?: Pick<DeviceApiClient, "heartbeat">
  collect?: () => Promise<Beat>
  sleep?: (ms: number) => Promise<void>
  signal?: AbortSignal
}): Promise<void> {
  let online = false
  try {
    await keepOnline({
      sleep,
      signal,
      beat: async () => {
        const answer = await client.heartbeat(DEMO_DEVICE_SECRET, await collect())
        if (!online) {
          log(
            `Demo LLM host "${answer.device_name}" is online: npm run dev sends its heartbeats through the device API every ${answer.next_heartbeat_in} s.`
          )
        }
        online = true

        return answer.next_heartbeat_in
      },
      onRetry: (error) => {
        // Before the first success the app is most likely still starting.
        if (online) log(`Demo heartbeat: ${error.message}`)
      },
    })
  } catch (error) {
    if (!(error instanceof DeviceAgentError) || isTransientAgentError(error)) throw error
    log(
      `Demo heartbeat stopped, so the demo LLM host will show as offline: ${error.serverMessage ?? error.message}` +
        (error.code === "invalid_device_secret"
          ? " (this database was seeded before the demo host had a secret; `npm run dev -- --reset` reseeds it)"
          : "")
    )
  }
}
