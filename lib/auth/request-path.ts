/**
 * The header proxy.ts sets on every console request with the path and query asked for, so a
 * server component that sends the visitor elsewhere (the second sign-in step) can bring them
 * back. Set by the proxy from the URL, never read from the browser's own headers.
 */
export const REQUEST_PATH_HEADER = "x-lmx-request-path"
