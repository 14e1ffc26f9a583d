// What people read when Auth says no. The original error is logged on the
// server; its message never reaches the page.

type AuthErrorLike = { code?: string | undefined; status?: number | undefined }

export const AUTH_ERROR_COPY = {
  invalid_credentials:
    "That email and password don't match an account. Check them, or sign in with a magic link instead.",
  email_not_confirmed:
    "Confirm your email address first: open the link we sent when you signed up, or request a magic link.",
  user_already_exists:
    "An account with this email already exists. Sign in instead.",
  weak_password:
    "Choose a stronger password: longer, and not one that is easy to guess.",
  same_password: "Choose a password different from your current one.",
  otp_expired:
    "That code or link has expired or was already used. Request a new one.",
  code_rejected:
    "That code is not right. Check the 6 digits against the newest email; a code works once, for an hour, so request a new one if it has expired.",
  signup_disabled: "New accounts cannot be created right now.",
  rate_limited: "Too many attempts. Wait a minute, then try again.",
  email_rate_limited:
    "We just sent you an email. Wait a minute before asking for another one.",
  session_missing: "Your session has ended. Sign in again to continue.",
  link_other_browser:
    "This link was opened in a different browser from the one that asked for it. Enter the 6-digit code from the same email here, or request a new link.",
  link_invalid: "That sign-in link is not valid. Request a new one.",
  provider_disabled: "That sign-in method is not available.",
  captcha_failed:
    "The check that you are a person did not go through. Complete it again, then retry.",
  unexpected: "Something went wrong on our side. Please try again in a moment.",
} as const

export type AuthErrorKey = keyof typeof AUTH_ERROR_COPY

const BY_CODE: Record<string, AuthErrorKey> = {
  invalid_credentials: "invalid_credentials",
  invalid_grant: "invalid_credentials",
  email_not_confirmed: "email_not_confirmed",
  user_already_exists: "user_already_exists",
  email_exists: "user_already_exists",
  weak_password: "weak_password",
  same_password: "same_password",
  otp_expired: "otp_expired",
  otp_disabled: "signup_disabled",
  signup_disabled: "signup_disabled",
  email_provider_disabled: "signup_disabled",
  over_request_rate_limit: "rate_limited",
  over_email_send_rate_limit: "email_rate_limited",
  over_sms_send_rate_limit: "email_rate_limited",
  session_not_found: "session_missing",
  session_expired: "session_missing",
  refresh_token_not_found: "session_missing",
  bad_code_verifier: "link_other_browser",
  pkce_code_verifier_not_found: "link_other_browser",
  flow_state_not_found: "link_invalid",
  flow_state_expired: "otp_expired",
  bad_oauth_state: "link_invalid",
  provider_disabled: "provider_disabled",
  captcha_failed: "captcha_failed",
  validation_failed: "unexpected",
}

/** The copy key for an Auth error (supabase-js AuthError or a redirect's error_code). */
export function authErrorKey(
  error: AuthErrorLike | string | null | undefined
): AuthErrorKey {
  if (!error) return "unexpected"
  const code = typeof error === "string" ? error : error.code
  if (code && Object.hasOwn(BY_CODE, code)) return BY_CODE[code]!
  if (typeof error !== "string" && error.status === 429) return "rate_limited"

  return "unexpected"
}

export function authErrorMessage(
  error: AuthErrorLike | string | null | undefined
): string {
  return AUTH_ERROR_COPY[authErrorKey(error)]
}

/** A copy key named in a URL (`/sign-in?error=…`), or undefined when it is not one of ours. */
export function parseAuthErrorKey(value: unknown): AuthErrorKey | undefined {
  return typeof value === "string" && Object.hasOwn(AUTH_ERROR_COPY, value)
    ? (value as AuthErrorKey)
    : undefined
}
