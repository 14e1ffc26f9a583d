import { type RelaySessionResponse } from "@/lib/chat/relay-protocol"

import { type RelayApi } from "./api"
import { joinRelayChannels, type RelayChannels } from "./channel"
import { findLlmServer } from "./openai-client"
import { createRelay } from "./relay"

// `npm run device -- serve`: the device as the console's chat relay (docs/chat-relay.md).
// It joins its request topic, forwards chat completions and model listings to the LLM server
// on this machine (the chosen port, else the device's lan_port, else the usual ports of LM
// Studio, Ollama, llama.cpp's server and vLLM), and streams the answers back. The session's
// device JWT is renewed a minute before it expires.

export type ServeOptions = {
  api: Pick<RelayApi, "session">
  /** --port: the LLM server's port, if the user named one. */
  port?: number
  fetch?: typeof fetch
  log: (line: string) => void
  error: (line: string) => void
  signal?: AbortSignal
  join?: typeof joinRelayChannels
}

export async function runServe(options: ServeOptions): Promise<number> {
  const {
    api,
    log,
    error: logError,
    signal,
    join = joinRelayChannels,
  } = options
  let session: RelaySessionResponse = await api.session()
  const preferred = () => options.port ?? session.lan_port

  // A server that answered is used until a request finds it gone; with none found, every
  // request looks again (a server started after the agent is picked up).
  let found: number | null = null
  let reported: number | null | undefined
  const resolvePort = async () => {
    if (found !== null) return found
    found = await findLlmServer(preferred(), { fetch: options.fetch })
    if (found !== reported) {
      log(
        found === null
          ? `No LLM server answers on :${preferred()} or the usual ports; chats will fail until one starts.`
          : `Relaying to the LLM server on :${found}.`
      )
      reported = found
    }

    return found
  }

  let channels: RelayChannels | null = null
  const relay = createRelay({
    send: (user, event, payload) => channels?.send(user, event, payload),
    resolvePort,
    onServerUnreachable: () => {
      found = null
    },
    fetch: options.fetch,
    log,
  })
  let state: "live" | "offline" | null = null
  channels = join(session, {
    onRequest: relay.handleRequest,
    onCancel: relay.handleCancel,
    onState: (next) => {
      if (next !== state) {
        log(
          next === "live"
            ? "Listening for chats from the console (Realtime)."
            : "Realtime is offline; reconnecting…"
        )
      }
      state = next
    },
  })
  await resolvePort()

  let refreshTimer: NodeJS.Timeout | null = null
  const scheduleRefresh = () => {
    const seconds = Math.max(30, session.realtime.expires_in - 60)
    refreshTimer = setTimeout(() => {
      api.session().then(
        async (next) => {
          session = next
          await channels?.setToken(next.realtime.token)
          scheduleRefresh()
        },
        (failure: unknown) => {
          logError(`Could not renew the relay session: ${String(failure)}`)
          scheduleRefresh()
        }
      )
    }, seconds * 1000)
  }
  scheduleRefresh()

  await new Promise<void>((resolve) => {
    if (!signal) return
    if (signal.aborted) resolve()
    signal.addEventListener("abort", () => resolve(), { once: true })
  })
  if (refreshTimer) clearTimeout(refreshTimer)
  relay.close()
  await channels.close()

  return 0
}
