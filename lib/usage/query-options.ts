import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query"

import { type Client } from "@/lib/supabase/types"

import {
  getUsageDashboard,
  getUsageSpeeds,
  type UsageFilters,
} from "./dashboard"
import {
  countSessionsInRange,
  listSessionsInRange,
  type SessionRange,
} from "./queries"
import { type DateRange, type Stack } from "./range"

function sessionsKey(range: SessionRange) {
  // A plain object of primitives in a fixed key order: stable across server and browser.
  return {
    from: range.fromInstant,
    to: range.toInstant,
    project: range.projectId ?? null,
    device: range.deviceId ?? null,
    model: range.model ?? null,
  }
}

// The client is an argument, never part of a key: server and browser clients read the same
// rows, so a server prefetch hydrates the browser's query (docs/adding-a-domain.md, step 4).
/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const usageKeys = {
  all: ["usage"] as const,
  user: (userId: string) => ["usage", userId] as const,
  sessions: (range: SessionRange) =>
    ["usage", range.userId, "sessions", sessionsKey(range)] as const,
}

/** The range's costliest sessions, a page at a time ("Show more" reads the next). */
export function usageSessionsQueryOptions(
  supabase: Client,
  range: SessionRange
) {
  return infiniteQueryOptions({
    queryKey: usageKeys.sessions(range),
    queryFn: ({ pageParam }) =>
      listSessionsInRange(supabase, { ...range, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (page) => page.nextOffset,
  })
}
/* eslint-enable @tanstack/query/exhaustive-deps */

/** What the page's figures are read for: the range in its timezone, the filters, the stacking. */
export type UsageView = {
  userId: string
  range: DateRange
  timezone: string
  filters: UsageFilters
  stack: Stack
}

function viewKey(view: UsageView) {
  return {
    from: view.range.from,
    to: view.range.to,
    tz: view.timezone,
    project: view.filters.projectId ?? null,
    device: view.filters.deviceId ?? null,
    model: view.filters.model ?? null,
  }
}

/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const usageViewKeys = {
  dashboard: (view: UsageView) =>
    [
      "usage",
      view.userId,
      "dashboard",
      { ...viewKey(view), stack: view.stack },
    ] as const,
  speeds: (view: UsageView) =>
    ["usage", view.userId, "speeds", viewKey(view)] as const,
  sessionCount: (range: SessionRange) =>
    ["usage", range.userId, "session-count", sessionsKey(range)] as const,
}

/** Totals, the previous range's, the day series and the breakdowns (usage_dashboard). */
export function usageDashboardQueryOptions(supabase: Client, view: UsageView) {
  return queryOptions({
    queryKey: usageViewKeys.dashboard(view),
    queryFn: () => getUsageDashboard(supabase, view),
  })
}

/** Tokens per second per model and device (usage_speeds). */
export function usageSpeedsQueryOptions(supabase: Client, view: UsageView) {
  return queryOptions({
    queryKey: usageViewKeys.speeds(view),
    queryFn: () => getUsageSpeeds(supabase, view),
  })
}

/** How many sessions were active in a range (the headline's count and its change). */
export function usageSessionCountQueryOptions(
  supabase: Client,
  range: SessionRange
) {
  return queryOptions({
    queryKey: usageViewKeys.sessionCount(range),
    queryFn: () => countSessionsInRange(supabase, range),
  })
}
/* eslint-enable @tanstack/query/exhaustive-deps */
