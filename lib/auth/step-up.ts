import { fail, type ActionFailure } from "@/lib/action-result"

/**
 * The database's refusal of a sensitive write from a session that has not passed the account's
 * second factor: 42501 with detail `insufficient_aal`, Supabase Auth's name for it
 * (supabase/migrations/20261203024000_step_up_sensitive_writes.sql). PostgREST passes the
 * detail through as `details`.
 */
export function isStepUpRefusal(
  error: { code?: string; details?: string | null } | null | undefined
): boolean {
  return error?.code === "42501" && error.details === "insufficient_aal"
}

/** An action's answer to that refusal: useAction asks for a code, then retries once. */
export function stepUpRequired(): ActionFailure<never> {
  return fail(
    "This needs your second step: a code from your authenticator app or your security key.",
    {
      stepUp: true,
    }
  )
}
