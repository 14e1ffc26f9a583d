import { type RelaySessionResponse } from "@/lib/chat/relay-protocol"

import { runServe, type ServeOptions } from "./serve"

// `heartbeat --watch` and `worker` relay chats only while the owner has turned on "Relay chats
// from the console" on the device's page (docs/chat-relay.md); `serve` always relays. The
// setting arrives with the relay session, asked for every 30 s: the relay starts when it is
// turned on and stops (ending open answers with `canceled`) when it is turned off.

export const RELAY_SETTING_CHECK_MS = 30_000

export type RelayWhenEnabledOptions = Omit<ServeOptions, "signal"> & {
  signal?: AbortSignal
  checkEveryMs?: number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  serve?: typeof runServe
}

function abortableSleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })
}

export async function relayWhenEnabled(
  options: RelayWhenEnabledOptions
): Promise<void> {
  const {
    api,
    log,
    error: logError,
    checkEveryMs = RELAY_SETTING_CHECK_MS,
    sleep = abortableSleep,
    serve = runServe,
  } = options
  const stopped = options.signal ?? new AbortController().signal
  let running: { stop: AbortController; done: Promise<unknown> } | null = null
  let announced: boolean | null = null
  let lastFailure: string | null = null

  const stop = async () => {
    if (!running) return
    running.stop.abort()
    await running.done
    running = null
  }

  while (!stopped.aborted) {
    let session: RelaySessionResponse | null = null
    try {
      session = await api.session()
      lastFailure = null
    } catch (failure) {
      // A refusal (revoked device) or a console that stays away: try again next round,
      // keeping a running relay as it is (its own token renewal reports the same failure).
      // Said once per new failure, not every round.
      if (String(failure) !== lastFailure) {
        logError(`Could not read the relay setting: ${String(failure)}`)
      }
      lastFailure = String(failure)
    }
    if (session && session.relay_enabled !== announced) {
      log(
        session.relay_enabled
          ? "Relaying chats from the console (turned on in this device's settings)."
          : "Not relaying chats: “Relay chats from the console” is off in this device's settings (`serve` always relays)."
      )
      announced = session.relay_enabled
    }
    if (session?.relay_enabled && !running) {
      const first = session
      let handedOut = false
      const controller = new AbortController()
      running = {
        stop: controller,
        done: serve({
          ...options,
          // The session just read opens the relay; renewals ask the console again.
          api: {
            session: async () => {
              if (handedOut) return api.session()
              handedOut = true
              return first
            },
          },
          signal: controller.signal,
        }).catch((failure: unknown) => {
          logError(`The chat relay stopped: ${String(failure)}`)
          running = null
        }),
      }
    } else if (session && !session.relay_enabled) {
      await stop()
    }
    await sleep(checkEveryMs, stopped)
  }
  await stop()
}
