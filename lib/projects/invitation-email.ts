import "server-only"

import { createClient } from "@supabase/supabase-js"

import { callbackUrl } from "@/lib/auth/redirects"
import { type Database } from "@/lib/database.types"
import { getPublicEnv } from "@/lib/env"

/** Where an invitation's link leads once the invitee is signed in. */
export function invitationPath(token: string) {
  return `/invite/${encodeURIComponent(token)}`
}

/**
 * Mails an invitation through Supabase Auth (docs/projects.md): a sign-in email whose link
 * signs the invitee in, creating their account on first use, and lands on /invite/<token>.
 * Auth has no "send this text to that address" API for the anon key, and the console holds no
 * service-role key, so the email is Auth's magic link, which hosted Supabase sends through
 * its SMTP and the local stack drops in its mailbox, both the same way.
 *
 * A client of its own, without cookies: the inviter's session must not be touched (a
 * cookie-backed client would store a PKCE verifier for someone else's sign-in in it).
 * Returns null when Auth accepted the email, else Auth's reason (logged, and recorded on the
 * invitation so admins see it).
 */
export async function sendInvitationEmail({
  email,
  token,
}: {
  email: string
  token: string
}): Promise<string | null> {
  const env = getPublicEnv()
  const auth = createClient<Database>(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.supabaseKey,
    {
      auth: {
        persistSession: false,
        autoRefreshToken: false,
        detectSessionInUrl: false,
      },
    }
  )
  const { error } = await auth.auth.signInWithOtp({
    email,
    options: {
      shouldCreateUser: true,
      emailRedirectTo: callbackUrl(
        env.NEXT_PUBLIC_SITE_URL,
        invitationPath(token)
      ),
    },
  })
  if (!error) return null
  console.error(
    `[projects] invitation email failed: ${error.code} ${error.message}`
  )

  return error.status === 429 || error.code === "over_email_send_rate_limit"
    ? "Email rate limit reached: resend in a minute."
    : "Supabase Auth did not send the email."
}
