import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"

import { type ChannelState } from "@/lib/supabase/private-channel"

import {
  followRunsChannel,
  REFETCH_DEBOUNCE_MS,
  type RunsRefetch,
} from "./runs-list-sync"

type OnState = (
  state: Exclude<ChannelState, "connecting">,
  rejoined: boolean
) => void

/** A channel as the hook wires it: row changes arrive only once it has joined. */
function fakeChannel() {
  let listener: (() => void) | undefined
  let onState: OnState | undefined
  const refetches: RunsRefetch[] = []
  const states: ChannelState[] = []
  const stop = followRunsChannel({
    onChange: (next) => {
      listener = next
    },
    join: (next) => {
      onState = next
    },
    refetch: (what) => refetches.push(what),
    setState: (state) => states.push(state),
  })

  return {
    refetches,
    states,
    stop,
    change: () => listener?.(),
    report: (state: Exclude<ChannelState, "connecting">, rejoined = false) =>
      onState?.(state, rejoined),
  }
}

describe("the runs list's live channel", () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it("refetches when it first joins: a cancel made in another tab before the join is not lost", () => {
    // /runs was read with the run running; the run is canceled in another tab while this
    // tab's channel is still joining, so that change reaches nobody here.
    const channel = fakeChannel()
    channel.report("live")
    expect(channel.states).toEqual(["live"])
    expect(channel.refetches).toEqual(["lists"])
  })

  it("refetches the lists once per burst of changes", () => {
    const channel = fakeChannel()
    channel.report("live")
    channel.refetches.length = 0
    channel.change()
    channel.change()
    vi.advanceTimersByTime(REFETCH_DEBOUNCE_MS - 1)
    channel.change()
    expect(channel.refetches).toEqual([])
    vi.advanceTimersByTime(REFETCH_DEBOUNCE_MS)
    expect(channel.refetches).toEqual(["lists"])
  })

  it("refetches every runs query after a reconnect, and nothing while offline", () => {
    const channel = fakeChannel()
    channel.report("live")
    channel.report("offline")
    channel.report("live", true)
    expect(channel.states).toEqual(["live", "offline", "live"])
    expect(channel.refetches).toEqual(["lists", "all"])
  })

  it("drops a pending refetch once the list is gone", () => {
    const channel = fakeChannel()
    channel.change()
    channel.stop()
    vi.advanceTimersByTime(REFETCH_DEBOUNCE_MS * 2)
    expect(channel.refetches).toEqual([])
  })
})
