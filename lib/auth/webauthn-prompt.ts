/**
 * The person closed the browser's WebAuthn prompt (a passkey's or a security key's), or it
 * timed out: auth-js's WebAuthnError with the browser's NotAllowedError (or AbortError) as its
 * cause.
 */
export function promptCancelled(
  error: { code?: unknown; cause?: unknown } | null
): boolean {
  const cause = error?.cause
  const causeName =
    cause instanceof Error || (typeof cause === "object" && cause !== null)
      ? (cause as { name?: unknown }).name
      : undefined

  return (
    error?.code === "ERROR_CEREMONY_ABORTED" ||
    causeName === "NotAllowedError" ||
    causeName === "AbortError"
  )
}
