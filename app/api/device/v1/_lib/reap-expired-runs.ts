import { after } from "next/server"

import { reapExpiredRuns } from "@/lib/runs/queries"
import { type Client } from "@/lib/supabase/types"

/**
 * Settles expired run leases in the device owner's projects once the device has its answer
 * (supabase/migrations/…020000_run_leases_reaped_on_read.sql): every online device's
 * heartbeat does, so a run whose worker died goes back to the queue (or fails after its last
 * attempt) within a heartbeat of its lease running out, even when no worker claims.
 */
export function reapExpiredRunsAfterResponse(supabase: Client) {
  const task = async () => {
    try {
      await reapExpiredRuns(supabase)
    } catch (error) {
      console.error("[device-api] settling expired run leases failed", error)
    }
  }
  try {
    after(task)
  } catch {
    // Outside a Next.js request (the agent's tests call the handlers in-process) there is
    // no response to wait for: the task runs on its own.
    void task()
  }
}
