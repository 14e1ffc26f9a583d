"use client"

import * as React from "react"

import { type ChatTunnel } from "@/lib/chat/tunnel"
import { listTunnelModels, streamTunnelChat } from "@/lib/chat/tunnel-chat"
import { type ChannelState } from "@/lib/supabase/private-channel"

import { type RelayChat } from "./chat-controller"

// /chat calling the device's tunnel directly, with the relay hook's shape (state, chat,
// cancel, listModels) so the page swaps one for the other. The tunnel is probed with
// GET /v1/models when chosen: "live" once the browser may call it, "offline" with the reason
// (CORS, offline, or the page's CSP) otherwise, and again after an answer fails to reach it.

type Probe = { origin: string; state: ChannelState; problem: string | null }

export function useChatTunnel(tunnel: ChatTunnel | null, enabled: boolean) {
  const [probe, setProbe] = React.useState<Probe | null>(null)
  const open = React.useRef(new Map<string, AbortController>())
  // The CSP blocks a request before it leaves and fires this event; fetch only says TypeError.
  const blocked = React.useRef(new Set<string>())

  React.useEffect(() => {
    const onViolation = (event: SecurityPolicyViolationEvent) => {
      if (event.effectiveDirective !== "connect-src") return
      try {
        blocked.current.add(new URL(event.blockedURI).origin)
      } catch {
        // "inline" and the like name no origin.
      }
    }
    document.addEventListener("securitypolicyviolation", onViolation)
    return () =>
      document.removeEventListener("securitypolicyviolation", onViolation)
  }, [])

  const blockedByPolicy = React.useCallback(
    () => (tunnel ? blocked.current.has(tunnel.origin) : false),
    [tunnel]
  )

  React.useEffect(() => {
    if (!tunnel || !enabled) return
    let current = true
    void listTunnelModels(tunnel.url, "probe", { blockedByPolicy }).then(
      (answer) => {
        if (!current) return
        setProbe({
          origin: tunnel.origin,
          state: "models" in answer ? "live" : "offline",
          problem: "models" in answer ? null : answer.message,
        })
      }
    )
    return () => {
      current = false
    }
  }, [tunnel, enabled, blockedByPolicy])

  const state: ChannelState =
    tunnel && probe?.origin === tunnel.origin ? probe.state : "connecting"
  const problem =
    tunnel && probe?.origin === tunnel.origin ? probe.problem : null

  const chat: RelayChat = React.useCallback(
    (request, handlers) => {
      if (!tunnel) {
        handlers.onError({
          code: "server_unreachable",
          message: "This device has no tunnel.",
        })
        return
      }
      const controller = new AbortController()
      open.current.set(request.requestId, controller)
      void streamTunnelChat(
        tunnel.url,
        request,
        {
          onText: handlers.onText,
          onDone: handlers.onDone,
          onError: (error) => {
            handlers.onError(error)
            if (error.code === "server_unreachable") {
              setProbe({
                origin: tunnel.origin,
                state: "offline",
                problem: error.message,
              })
            }
          },
        },
        { signal: controller.signal, blockedByPolicy }
      ).finally(() => open.current.delete(request.requestId))
    },
    [tunnel, blockedByPolicy]
  )

  const cancel = React.useCallback((requestId: string) => {
    // Closing the request stops the generation on the server behind the tunnel.
    open.current.get(requestId)?.abort()
  }, [])

  const listModels = React.useCallback(
    (requestId: string) =>
      tunnel
        ? listTunnelModels(tunnel.url, requestId, { blockedByPolicy })
        : Promise.resolve({
            request_id: requestId,
            last_seq: -1,
            code: "server_unreachable" as const,
            message: "This device has no tunnel.",
          }),
    [tunnel, blockedByPolicy]
  )

  return { state, problem, chat, cancel, listModels }
}
