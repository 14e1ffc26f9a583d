"use client"

import * as React from "react"
import { type RealtimeChannel } from "@supabase/supabase-js"

import {
  RELAY_EVENTS,
  RELAY_SILENCE_MS,
  relayAcceptedSchema,
  relayChunkSchema,
  relayDoneSchema,
  relayErrorSchema,
  relayModelsSchema,
  replyTopic,
  requestTopic,
  type ChatOptions,
  type RelayChatMessage,
  type RelayDone,
  type RelayError,
  type RelayModels,
} from "@/lib/chat/relay-protocol"
import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

// The browser's side of the chat relay (docs/chat-relay.md): it listens on its own reply
// topic of the chosen device and sends requests over Realtime's HTTP broadcast to the
// device's topic (the realtime.messages policies of 20261203020000_chat_relay.sql let it send
// there but not read other people's requests). Chunks are delivered in seq order; an answer
// whose host says nothing for RELAY_SILENCE_MS (no chunk, no keep-alive) ends as offline.

export type StreamHandlers = {
  onAccepted?: () => void
  onText: (content: string, reasoning: string) => void
  onDone: (done: RelayDone) => void
  onError: (error: Pick<RelayError, "code" | "message">) => void
}

type Open = StreamHandlers & {
  nextSeq: number
  pending: Map<number, { content: string; reasoning: string }>
  silence: ReturnType<typeof setTimeout> | null
  ended: boolean
}

export const HOST_SILENT_MESSAGE =
  "The host stopped answering (offline, or its agent stopped). The text so far is kept."

export function useChatRelay(deviceId: string | null, userId: string) {
  // The state of the current device's channel; another device's is "connecting" until heard.
  const [heard, setHeard] = React.useState<{
    deviceId: string
    state: ChannelState
  } | null>(null)
  const state: ChannelState =
    heard && heard.deviceId === deviceId ? heard.state : "connecting"
  const open = React.useRef(new Map<string, Open>())
  const models = React.useRef(
    new Map<string, (answer: RelayModels | RelayError) => void>()
  )
  const sender = React.useRef<{
    channel: RealtimeChannel
    ready: Promise<unknown>
    isReady: boolean
  } | null>(null)

  const end = React.useCallback((requestId: string) => {
    const request = open.current.get(requestId)
    if (!request) return null
    request.ended = true
    if (request.silence) clearTimeout(request.silence)
    open.current.delete(requestId)

    return request
  }, [])

  const armSilence = React.useCallback(
    (requestId: string) => {
      const request = open.current.get(requestId)
      if (!request) return
      if (request.silence) clearTimeout(request.silence)
      request.silence = setTimeout(() => {
        end(requestId)?.onError({
          code: "server_unreachable",
          message: HOST_SILENT_MESSAGE,
        })
      }, RELAY_SILENCE_MS)
    },
    [end]
  )

  React.useEffect(() => {
    if (!deviceId) return
    const supabase = createClient()
    const requests = open.current
    const channel = supabase.channel(replyTopic(deviceId, userId), {
      config: { private: true },
    })
    channel
      .on("broadcast", { event: RELAY_EVENTS.accepted }, ({ payload }) => {
        const parsed = relayAcceptedSchema.safeParse(payload)
        if (!parsed.success) return
        armSilence(parsed.data.request_id)
        requests.get(parsed.data.request_id)?.onAccepted?.()
      })
      .on("broadcast", { event: RELAY_EVENTS.alive }, ({ payload }) => {
        const parsed = relayAcceptedSchema
          .pick({ request_id: true })
          .safeParse(payload)
        if (parsed.success) armSilence(parsed.data.request_id)
      })
      .on("broadcast", { event: RELAY_EVENTS.chunk }, ({ payload }) => {
        const parsed = relayChunkSchema.safeParse(payload)
        if (!parsed.success) return
        const request = requests.get(parsed.data.request_id)
        if (!request) return
        armSilence(parsed.data.request_id)
        request.pending.set(parsed.data.seq, {
          content: parsed.data.content,
          reasoning: parsed.data.reasoning ?? "",
        })
        // In seq order, whatever order Realtime delivered them in.
        for (
          let next = request.pending.get(request.nextSeq);
          next;
          next = request.pending.get(request.nextSeq)
        ) {
          request.pending.delete(request.nextSeq)
          request.nextSeq += 1
          request.onText(next.content, next.reasoning)
        }
      })
      .on("broadcast", { event: RELAY_EVENTS.done }, ({ payload }) => {
        const parsed = relayDoneSchema.safeParse(payload)
        if (!parsed.success) return
        const request = requests.get(parsed.data.request_id)
        if (!request) return
        if (request.nextSeq !== parsed.data.last_seq + 1) {
          end(parsed.data.request_id)?.onError({
            code: "server_error",
            message: `Part of the answer was lost on the way (${parsed.data.last_seq + 1 - request.nextSeq} batches missing).`,
          })
          return
        }
        end(parsed.data.request_id)?.onDone(parsed.data)
      })
      .on("broadcast", { event: RELAY_EVENTS.error }, ({ payload }) => {
        const parsed = relayErrorSchema.safeParse(payload)
        if (!parsed.success) return
        models.current.get(parsed.data.request_id)?.(parsed.data)
        models.current.delete(parsed.data.request_id)
        const request = requests.get(parsed.data.request_id)
        if (!request) return
        // Text that came before the error stays; flush what arrived in order.
        for (const [seq, text] of [...request.pending].sort(
          (a, b) => a[0] - b[0]
        )) {
          if (seq <= parsed.data.last_seq)
            request.onText(text.content, text.reasoning)
        }
        end(parsed.data.request_id)?.onError(parsed.data)
      })
      .on("broadcast", { event: RELAY_EVENTS.models }, ({ payload }) => {
        const parsed = relayModelsSchema.safeParse(payload)
        if (!parsed.success) return
        models.current.get(parsed.data.request_id)?.(parsed.data)
        models.current.delete(parsed.data.request_id)
      })
    joinPrivateChannel(supabase, channel, (next) =>
      setHeard({ deviceId, state: next })
    )
    const send = supabase.channel(requestTopic(deviceId), {
      config: { private: true },
    })
    const current = {
      channel: send,
      ready: supabase.realtime.setAuth(),
      isReady: false,
    }
    void current.ready.then(() => (current.isReady = true))
    sender.current = current

    return () => {
      sender.current = null
      for (const id of [...requests.keys()]) {
        end(id)?.onError({ code: "canceled", message: "Stopped." })
      }
      void supabase.removeChannel(channel)
      void supabase.removeChannel(send)
    }
  }, [deviceId, userId, armSilence, end])

  const post = React.useCallback(
    async (event: string, payload: Record<string, unknown>) => {
      const current = sender.current
      if (!current) throw new Error("Choose a device first.")
      // Once the token is set, the request leaves in the same task as the click: awaiting
      // the settled promise would let React render the page (the whole conversation) first,
      // which delayed the time to first token (issue #18).
      if (!current.isReady) await current.ready
      await current.channel.httpSend(event, payload)
    },
    []
  )

  const chat = React.useCallback(
    (
      request: {
        requestId: string
        model: string
        messages: RelayChatMessage[]
        options: ChatOptions
      },
      handlers: StreamHandlers
    ) => {
      open.current.set(request.requestId, {
        ...handlers,
        nextSeq: 0,
        pending: new Map(),
        silence: null,
        ended: false,
      })
      armSilence(request.requestId)
      post(RELAY_EVENTS.request, {
        request_id: request.requestId,
        reply_to: userId,
        kind: "chat",
        model: request.model,
        messages: request.messages,
        options: request.options,
      }).catch((error: unknown) => {
        end(request.requestId)?.onError({
          code: "server_unreachable",
          message: `Could not reach the device: ${error instanceof Error ? error.message : String(error)}`,
        })
      })
    },
    [armSilence, end, post, userId]
  )

  const cancel = React.useCallback(
    (requestId: string) => {
      // A refused or failed stop changes nothing: the timer below ends the answer anyway.
      post(RELAY_EVENTS.cancel, {
        request_id: requestId,
        reply_to: userId,
      }).catch(() => {})
      // If the host is gone the stop would never be confirmed: end it here after a while.
      setTimeout(() => {
        end(requestId)?.onError({ code: "canceled", message: "Stopped." })
      }, 3000)
    },
    [end, post, userId]
  )

  const listModels = React.useCallback(
    (requestId: string) =>
      new Promise<RelayModels | RelayError>((resolve) => {
        models.current.set(requestId, resolve)
        setTimeout(() => {
          if (models.current.delete(requestId)) {
            resolve({
              request_id: requestId,
              last_seq: -1,
              code: "server_unreachable",
              message: HOST_SILENT_MESSAGE,
            })
          }
        }, RELAY_SILENCE_MS)
        post(RELAY_EVENTS.request, {
          request_id: requestId,
          reply_to: userId,
          kind: "models",
        }).catch((error: unknown) => {
          // Refused (403 from realtime.messages RLS) or unreachable: say so now, not after
          // the silence timeout.
          if (models.current.delete(requestId)) {
            resolve({
              request_id: requestId,
              last_seq: -1,
              code: "server_unreachable",
              message: `Could not reach the device: ${error instanceof Error ? error.message : String(error)}`,
            })
          }
        })
      }),
    [post, userId]
  )

  return { state, chat, cancel, listModels }
}
