import {
  infiniteQueryOptions,
  queryOptions,
  type InfiniteData,
  type QueryClient,
} from "@tanstack/react-query"

import { type Client } from "@/lib/supabase/types"

import { listSessionAttachments, type SessionAttachments } from "./attachments"
import {
  FIRST_PAGE,
  getSessionHeader,
  getSessionThreadPage,
  MESSAGE_BATCH,
  type MessageCursor,
  type SessionFirstScreen,
  type SessionHeader,
  type SessionThreadPage,
} from "./session-queries"

// Under ["sessions", userId, …] like every sessions key, so invalidating a user's sessions
// covers an open session too (docs/adding-a-domain.md, step 4). The client is not a key.
/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const sessionDetailKeys = {
  detail: (userId: string, id: string) =>
    ["sessions", userId, "detail", id] as const,
  thread: (userId: string, id: string) =>
    ["sessions", userId, "detail", id, "thread"] as const,
  attachments: (userId: string, id: string) =>
    ["sessions", userId, "detail", id, "attachments"] as const,
}

/** The messages' files with signed URLs (lib/sessions/attachments.ts), by message id. */
export function sessionAttachmentsQueryOptions(
  supabase: Client,
  userId: string,
  id: string
) {
  return queryOptions<SessionAttachments>({
    queryKey: sessionDetailKeys.attachments(userId, id),
    queryFn: () => listSessionAttachments(supabase, id),
  })
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

/**
 * The session page's conversation, page by page: the first page (FIRST_PAGE messages) is read
 * by the server and travels in the HTML, the browser reads the rest after the first paint.
 */
export function sessionThreadQueryOptions(
  supabase: Client,
  userId: string,
  id: string
) {
  return infiniteQueryOptions({
    queryKey: sessionDetailKeys.thread(userId, id),
    queryFn: ({ pageParam }) =>
      getSessionThreadPage(supabase, {
        sessionId: id,
        after: pageParam,
        limit: pageParam ? MESSAGE_BATCH : FIRST_PAGE,
      }),
    initialPageParam: null as MessageCursor | null,
    getNextPageParam: (page) => page.next,
  })
}

/**
 * Puts the server's one-request read (getSessionFirstScreen) into the two queries the page
 * uses, exactly as if each had been fetched: the header, and the thread's first page.
 */
export function primeSessionQueries(
  queryClient: QueryClient,
  userId: string,
  id: string,
  screen: SessionFirstScreen,
  attachments?: SessionAttachments
) {
  if (attachments)
    queryClient.setQueryData<SessionAttachments>(
      sessionDetailKeys.attachments(userId, id),
      attachments
    )
  queryClient.setQueryData<SessionHeader | null>(
    sessionDetailKeys.detail(userId, id),
    screen.header
  )
  queryClient.setQueryData<
    InfiniteData<SessionThreadPage, MessageCursor | null>
  >(sessionDetailKeys.thread(userId, id), {
    pages: [screen.page],
    pageParams: [null],
  })
}
