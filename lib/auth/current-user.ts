import "server-only"

import { cache } from "react"
import { headers } from "next/headers"
import { redirect } from "next/navigation"
import { isAuthSessionMissingError } from "@supabase/supabase-js"

import { createClient } from "@/lib/supabase/server"

import { authErrorKey } from "./errors"
import { signInPath } from "./redirects"
import { REQUEST_PATH_HEADER } from "./request-path"
import { safeNextPath } from "./safe-next-path"

export type CurrentUser = {
  id: string
  email: string
  displayName: string
  /** This browser's Auth session, from the access token. */
  sessionId: string | null
  /** How this session signed in ("password", "otp", "oauth"…), newest first. */
  methods: string[]
  /** When this access token was issued (seconds since the epoch). */
  issuedAt: number | null
  /**
   * Whether any budget (the user's or a project's they may view) exists, so the budget banner
   * asks for crossings only then; true when the profile could not be read.
   */
  hasBudgets: boolean
}

/**
 * This request's verified JWT claims (getClaims: the signature checked against Auth's
 * cached signing keys, no round trip), once per request however many server components
 * ask. Redirects to sign-in when there is no session; proxy.ts normally does that first.
 */
const getVerifiedClaims = cache(async () => {
  const supabase = await createClient()
  const { data } = await supabase.auth.getClaims()
  const claims = data?.claims
  if (!claims?.sub) redirect(signInPath())

  return { supabase, claims: { ...claims, sub: claims.sub } }
})

/**
 * The signed-in user's id from the verified token, without waiting for the profile: for
 * reads a page sends beside getCurrentUser (which the page still awaits, so a session that
 * has ended elsewhere is sent to sign-in as before). RLS decides every read either way.
 */
export async function getSignedInUserId(): Promise<string> {
  return (await getVerifiedClaims()).claims.sub
}

/**
 * The signed-in user for this request, from verified JWT claims plus their
 * profile row (RLS: only their own). Once per request however many server
 * components ask. Redirects to sign-in when there is no session; proxy.ts
 * normally does that first.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser> => {
  const { supabase, claims } = await getVerifiedClaims()

  // One round trip (public.current_profile): the profile under its RLS policy, whether the
  // budget banner has anything to look at, and whether an account with a verified second
  // factor has not passed it in this session (aal1). Such a session goes to the second step
  // first; the database answers, not the session cookie, which the browser could edit.
  const { data: current, error } = await supabase
    .rpc("current_profile")
    .single()
  if (current?.step_up_required === true) {
    const path = (await headers()).get(REQUEST_PATH_HEADER) ?? "/"
    redirect(`/sign-in/verify?next=${encodeURIComponent(safeNextPath(path))}`)
  }
  if (error)
    console.error(`[auth] profile read failed: ${error.code} ${error.message}`)
  const profile = current?.profile_found ? current : null
  if (!profile && !error) {
    // Everyone has a profile (a trigger makes it), but RLS hides even one's own once the
    // token's session is gone (signed out everywhere): the token still verifies until it
    // expires. Auth says for sure; proxy.ts then clears the cookies on the sign-in page.
    const { error: userError } = await supabase.auth.getUser()
    // supabase-js reports Auth's 403 session_not_found as AuthSessionMissingError.
    if (
      userError &&
      (isAuthSessionMissingError(userError) ||
        authErrorKey(userError) === "session_missing")
    ) {
      redirect(signInPath({ error: "session_missing" }))
    }
  }

  const amr = Array.isArray(claims.amr) ? claims.amr : []
  const methods = amr
    .map((entry) =>
      typeof entry === "string" ? entry : (entry as { method?: unknown }).method
    )
    .filter((method): method is string => typeof method === "string")

  return {
    id: claims.sub,
    email: typeof claims.email === "string" ? claims.email : "",
    displayName: profile?.display_name ?? "",
    sessionId: typeof claims.session_id === "string" ? claims.session_id : null,
    methods,
    issuedAt: typeof claims.iat === "number" ? claims.iat : null,
    hasBudgets: current?.has_budgets ?? true,
  }
})

/**
 * Reads a page sends beside getCurrentUser (with getSignedInUserId's id), awaited after it:
 * a session that ended elsewhere or still owes its second step is redirected as before,
 * whatever the reads answered, while the page waits for one round trip instead of two.
 */
export async function besideCurrentUser<T>(
  reads: Promise<T>
): Promise<[CurrentUser, T]> {
  // Awaited below; until then a failure must not surface as an unhandled rejection.
  reads.catch(() => {})
  const user = await getCurrentUser()

  return [user, await reads]
}
