import { queryOptions } from "@tanstack/react-query"

import { type Client } from "@/lib/supabase/types"

import { getSessionHeader, getSessionThread } from "./session-queries"

// Under ["sessions", userId, …] like every sessions key, so invalidating a user's sessions
// covers an open session too (docs/adding-a-domain.md, step 4). The client is not a key.
/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const sessionDetailKeys = {
  detail: (userId: string, id: string) =>
    ["sessions", userId, "detail", id] as const,
  thread: (userId: string, id: string) =>
    ["sessions", userId, "detail", id, "thread"] as const,
}

export function sessionHeaderQueryOptions(
  supabase: Client,
  userId: string,
  id: string
) {
  return queryOptions({
    queryKey: sessionDetailKeys.detail(userId, id),
    queryFn: () => getSessionHeader(supabase, { id }),
  })
}

export function sessionThreadQueryOptions(
  supabase: Client,
  userId: string,
  id: string
) {
  return queryOptions({
    queryKey: sessionDetailKeys.thread(userId, id),
    queryFn: () => getSessionThread(supabase, { sessionId: id }),
  })
}
