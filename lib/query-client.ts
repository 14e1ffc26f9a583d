import {
  defaultShouldDehydrateQuery,
  environmentManager,
  QueryClient,
} from "@tanstack/react-query"

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Above zero so data prefetched in a server component is not refetched
        // the moment the client hydrates; Realtime events patch the cache
        // after that, so a minute of staleness is never visible.
        staleTime: 60 * 1000,
      },
      dehydrate: {
        // Also send queries still pending, so a server component can start a
        // prefetch without awaiting it and the client picks up the promise.
        shouldDehydrateQuery: (query) =>
          defaultShouldDehydrateQuery(query) ||
          query.state.status === "pending",
      },
    },
  })
}

let browserQueryClient: QueryClient | undefined

/**
 * A new client for every server request (a shared one would leak one user's
 * data into another's render); one client for the lifetime of the browser tab.
 */
export function getQueryClient() {
  if (environmentManager.isServer()) return makeQueryClient()

  // Keep the browser client outside React: if React suspends during the first
  // render it throws away state, and a client made there would be lost.
  browserQueryClient ??= makeQueryClient()

  return browserQueryClient
}
