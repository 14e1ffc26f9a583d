// GET /settings and GET /authorize: which sign-in methods and external providers are on.
import { type ServerResponse } from "node:http"

import { sendJson } from "../http"
import { badRequest } from "./errors"
import { type AuthKernel, type AuthRequest } from "./kernel"

const PROVIDERS = [
  "anonymous_users",
  "apple",
  "azure",
  "bitbucket",
  "discord",
  "facebook",
  "snapchat",
  "figma",
  "fly",
  "github",
  "gitlab",
  "google",
  "keycloak",
  "kakao",
  "linkedin",
  "linkedin_oidc",
  "notion",
  "spotify",
  "slack",
  "slack_oidc",
  "workos",
  "twitch",
  "twitter",
  "x",
  "email",
  "phone",
  "zoom",
]

export function settings(k: AuthKernel, res: ServerResponse) {
  const external: Record<string, boolean> = {}
  for (const provider of PROVIDERS)
    external[provider] = k.config.auth.external[provider]?.enabled ?? false
  external.email = k.config.auth.email.enable_signup
  external.phone = false
  external.anonymous_users = k.config.auth.enable_anonymous_sign_ins
  sendJson(res, 200, {
    external,
    disable_signup: !k.config.auth.enable_signup,
    mailer_autoconfirm: k.autoconfirm,
    phone_autoconfirm: false,
    sms_provider: "",
    saml_enabled: false,
    passkeys_enabled: k.config.auth.passkey.enabled,
  })
}

export async function authorize(k: AuthKernel, r: AuthRequest) {
  const provider = r.url.searchParams.get("provider") ?? ""
  if (
    !PROVIDERS.includes(provider) ||
    provider === "email" ||
    provider === "phone" ||
    provider === "anonymous_users"
  ) {
    throw badRequest(
      "validation_failed",
      `Unsupported provider: Provider ${provider} could not be found`
    )
  }
  if (!k.config.auth.external[provider]?.enabled) {
    throw badRequest("validation_failed", "Unsupported provider: provider is not enabled")
  }
  // Enabled providers would redirect to the provider; the local stack cannot reach one.
  throw badRequest(
    "validation_failed",
    `Unsupported provider: ${provider} is not available on the local stack`
  )
}
