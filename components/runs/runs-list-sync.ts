import { type ChannelState } from "@/lib/supabase/private-channel"

/** Many runs change at once (a worker claims, a batch is queued): refetch once per burst. */
export const REFETCH_DEBOUNCE_MS = 300

/** What the run list refetches: its pages, or every runs query after a gap. */
export type RunsRefetch = "lists" | "all"

/**
 * How the runs list follows its Realtime channel, apart from React and supabase-js so it can
 * be tested: a change refetches the lists (debounced: a change moves other rows' queue
 * positions too, and the filters are the database's to apply); the channel's first join
 * refetches them as well, because the page was read before the subscription existed and a
 * change in between (a cancel in another tab, a claim) was delivered to nobody; a rejoin
 * after a drop refetches every runs query. Returns the cleanup.
 */
export function followRunsChannel({
  onChange,
  join,
  refetch,
  setState,
  timers = globalThis,
}: {
  /** Registers the listener for the channel's row changes. */
  onChange: (listener: () => void) => void
  /** Joins the channel, reporting its state (joinPrivateChannel's contract). */
  join: (
    onState: (
      state: Exclude<ChannelState, "connecting">,
      rejoined: boolean
    ) => void
  ) => void
  refetch: (what: RunsRefetch) => void
  setState: (state: ChannelState) => void
  timers?: Pick<typeof globalThis, "setTimeout" | "clearTimeout">
}): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  onChange(() => {
    timers.clearTimeout(timer)
    timer = timers.setTimeout(() => refetch("lists"), REFETCH_DEBOUNCE_MS)
  })
  join((state, rejoined) => {
    setState(state)
    if (state !== "live") return
    timers.clearTimeout(timer)
    refetch(rejoined ? "all" : "lists")
  })

  return () => timers.clearTimeout(timer)
}

/** How long past a lease's expiry the list asks again: the page's clock is only estimated. */
export const LEASE_SETTLE_MARGIN_MS = 2_000
