import { after } from "next/server"

import { type Client } from "@/lib/supabase/types"

/** Pending messages one call indexes: a few hundred milliseconds of the database's time. */
export const INDEX_BATCH = 5000

/**
 * Indexes messages a large push left pending for full-text search
 * (supabase/migrations/…090000: search finds them meanwhile, only slower), once the device
 * has its answer, so a sync never waits for the search index.
 */
export function indexSearchAfterResponse(supabase: Client) {
  const task = async () => {
    const { error } = await supabase.rpc("index_message_search", {
      max_rows: INDEX_BATCH,
    })
    if (error) console.error("[device-api] search indexing failed", error)
  }
  try {
    after(task)
  } catch {
    // Outside a Next.js request (the agent's tests call the handlers in-process) there is
    // no response to wait for: the task runs on its own.
    void task()
  }
}
