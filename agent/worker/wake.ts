import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { type WorkerSessionResponse } from "@/lib/devices/runs-schema"

// The worker's ear: its private Realtime topic "worker:<device id>", where the database
// broadcasts "run.queued" (a run of a project this device runs jobs for) and "run.canceled"
// (a run this device holds). Joined with the short-lived device JWT the session route gives;
// a realtime.messages policy admits this device alone (supabase/migrations/
// 20261203010000_runs_worker.sql). If it cannot join, the worker still polls.

export type WakeEvents = {
  onQueued: (projectId: string | null) => void
  onCanceled: (runId: string) => void
  onState: (state: "live" | "offline") => void
}

export type WakeChannel = {
  setToken(token: string): void
  close(): Promise<void>
}

function field(payload: unknown, key: string): string | null {
  if (payload && typeof payload === "object" && key in payload) {
    const value = (payload as Record<string, unknown>)[key]
    return typeof value === "string" ? value : null
  }

  return null
}

export function joinWakeChannel(
  realtime: NonNullable<WorkerSessionResponse["realtime"]>,
  events: WakeEvents
): WakeChannel {
  let token = realtime.token
  const supabase: SupabaseClient = createClient(
    realtime.url,
    realtime.anon_key,
    {
      accessToken: async () => token,
      realtime: {
        // Node 20 has no global WebSocket.
        transport: (globalThis.WebSocket ??
          WebSocket) as unknown as typeof globalThis.WebSocket,
      },
    }
  )
  const channel = supabase
    .channel(realtime.topic, { config: { private: true } })
    // A broadcast's payload is the database's jsonb_build_object (ids only).
    .on("broadcast", { event: "run.queued" }, ({ payload }) =>
      events.onQueued(field(payload, "project_id"))
    )
    .on("broadcast", { event: "run.canceled" }, ({ payload }) => {
      const runId = field(payload, "run_id")
      if (runId) events.onCanceled(runId)
    })
  void supabase.realtime.setAuth(token).then(() =>
    channel.subscribe((status) => {
      if (status === "SUBSCRIBED") events.onState("live")
      else if (
        status === "CHANNEL_ERROR" ||
        status === "TIMED_OUT" ||
        status === "CLOSED"
      ) {
        events.onState("offline")
      }
    })
  )

  return {
    setToken(next) {
      token = next
      void supabase.realtime.setAuth(next)
    },
    async close() {
      await supabase.removeChannel(channel)
      supabase.realtime.disconnect()
    },
  }
}
