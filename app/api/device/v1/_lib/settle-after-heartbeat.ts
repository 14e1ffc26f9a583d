import { after } from "next/server"

import { type Client } from "@/lib/supabase/types"

import { INDEX_BATCH } from "./index-search"

/**
 * A heartbeat's upkeep once the device has its answer, in one round trip
 * (public.settle_after_heartbeat): index what other writers (the console's chat, a failed
 * sweep) left pending for search, and settle expired run leases in the owner's projects, so a
 * run whose worker died goes back to the queue (or fails after its last attempt) within a
 * heartbeat of its lease running out, even when no worker claims.
 */
export function settleAfterHeartbeat(supabase: Client) {
  const task = async () => {
    const { error } = await supabase.rpc("settle_after_heartbeat", {
      max_rows: INDEX_BATCH,
    })
    if (error) console.error("[device-api] heartbeat upkeep failed", error)
  }
  try {
    after(task)
  } catch {
    // Outside a Next.js request (the agent's tests call the handlers in-process) there is
    // no response to wait for: the task runs on its own.
    void task()
  }
}
