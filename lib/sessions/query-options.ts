import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query"

import { type Client } from "@/lib/supabase/types"

import { type SessionFilters } from "./filters"
import {
  hasAnySession,
  listDeletedSessions,
  listSessionFilterOptions,
  listSessions,
  searchSessions,
} from "./queries"

type ListFilters = Omit<SessionFilters, "q">

function listKey(filters: ListFilters) {
  // A plain object of primitives in a fixed key order: stable across server and browser.
  return {
    view: filters.view,
    device: filters.device,
    model: filters.model,
    project: filters.project,
    from: filters.from,
    to: filters.to,
    tools: filters.tools,
  }
}

// The client is an argument, never part of a key: server and browser clients read the same
// rows, so a server prefetch hydrates the browser's query (docs/adding-a-domain.md, step 4).
/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const sessionKeys = {
  all: ["sessions"] as const,
  user: (userId: string) => ["sessions", userId] as const,
  lists: (userId: string) => ["sessions", userId, "list"] as const,
  list: (userId: string, filters: ListFilters) =>
    ["sessions", userId, "list", listKey(filters)] as const,
  search: (userId: string, query: string) =>
    ["sessions", userId, "search", query] as const,
  deleted: (userId: string) => ["sessions", userId, "deleted"] as const,
  anySession: (userId: string) => ["sessions", userId, "any"] as const,
  filterOptions: (userId: string) =>
    ["sessions", userId, "filter-options"] as const,
}

export function sessionListQueryOptions(
  supabase: Client,
  userId: string,
  filters: ListFilters
) {
  return infiniteQueryOptions({
    queryKey: sessionKeys.list(userId, filters),
    queryFn: ({ pageParam }) =>
      listSessions(supabase, { filters, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  })
}

export function sessionSearchQueryOptions(
  supabase: Client,
  userId: string,
  query: string
) {
  return queryOptions({
    queryKey: sessionKeys.search(userId, query),
    queryFn: () => searchSessions(supabase, { query }),
  })
}

export function deletedSessionsQueryOptions(supabase: Client, userId: string) {
  return queryOptions({
    queryKey: sessionKeys.deleted(userId),
    queryFn: () => listDeletedSessions(supabase, { userId }),
  })
}

export function sessionFilterOptionsQueryOptions(
  supabase: Client,
  userId: string
) {
  return queryOptions({
    queryKey: sessionKeys.filterOptions(userId),
    queryFn: () => listSessionFilterOptions(supabase, { userId }),
  })
}

export function anySessionQueryOptions(supabase: Client, userId: string) {
  return queryOptions({
    queryKey: sessionKeys.anySession(userId),
    queryFn: () => hasAnySession(supabase),
  })
}
