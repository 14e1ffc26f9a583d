// /auth/v1: Supabase Auth's (GoTrue's) routes, each handled in the module of its endpoint
// group; the shared machinery (limits, tokens, emails, flow state) is the kernel.
import { type IncomingMessage, type ServerResponse } from "node:http"

import { sendJson } from "../http"
import { type Service, type ServiceContext } from "../service"
import { handleAdmin } from "./admin"
import { captchaApplies, createCaptchaVerifier, requireCaptcha } from "./captcha"
import { AuthApiFailure, notFound, OAuthFailure, sendAuthError } from "./errors"
import { clientInfo, createAuthKernel, type AuthRequest } from "./kernel"
import { enrollFactor, factorRoute } from "./mfa"
import { recover, resend, sendOtp } from "./otp"
import { passkeyRoute } from "./passkeys"
import { authorize, settings } from "./settings"
import { signup } from "./signup"
import { token } from "./token"
import { getUser, logout, reauthenticate, updateUser } from "./user"
import { verifyGet, verifyPost } from "./verify"

export function createAuthService(ctx: ServiceContext): Service {
  const k = createAuthKernel(ctx)
  const captcha = ctx.config.auth.captcha
  const verifyCaptcha = captcha?.enabled ? createCaptchaVerifier(captcha) : undefined

  /** Supabase Auth skips the CAPTCHA for callers with admin credentials. */
  async function isAdmin(req: IncomingMessage) {
    return k.requireAdmin(req).then(
      () => true,
      () => false
    )
  }

  const routes: Record<string, (r: AuthRequest) => Promise<void>> = {
    "GET /health": async ({ res }) =>
      sendJson(res, 200, {
        version: "lmx-local",
        name: "GoTrue",
        description: "GoTrue is a user registration and authentication API",
      }),
    "GET /settings": async ({ res }) => settings(k, res),
    "GET /.well-known/jwks.json": async ({ res }) =>
      sendJson(res, 200, ctx.keys.jwks(), {
        "cache-control": "public, max-age=600",
      }),
    "POST /signup": (r) => signup(k, r),
    "POST /token": (r) => token(k, r),
    "POST /otp": (r) => sendOtp(k, r),
    "POST /magiclink": (r) => sendOtp(k, r),
    "GET /verify": (r) => verifyGet(k, r),
    "POST /verify": (r) => verifyPost(k, r),
    "GET /user": (r) => getUser(k, r),
    "PUT /user": (r) => updateUser(k, r),
    "POST /logout": (r) => logout(k, r),
    "POST /recover": (r) => recover(k, r),
    "POST /resend": (r) => resend(k, r),
    "GET /authorize": (r) => authorize(k, r),
    "GET /reauthenticate": (r) => reauthenticate(k, r),
    "POST /factors": (r) => enrollFactor(k, r),
    // SAML SSO and manual identity linking are off, as on a project that has not enabled them:
    // requireSAMLEnabled and requireManualLinkingEnabled (middleware.go), the latter behind
    // requireAuthentication like every /user route.
    "POST /sso": async () => {
      throw notFound("saml_provider_disabled", "SAML 2.0 is disabled")
    },
    "GET /user/identities/authorize": manualLinkingDisabled,
  }

  async function manualLinkingDisabled({ req }: AuthRequest): Promise<never> {
    await k.requireUser(req, ctx.db)
    throw notFound("manual_linking_disabled", "Manual linking is disabled")
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", ctx.apiUrl)
    const path = url.pathname.replace(/^\/auth\/v1/, "").replace(/\/+$/, "") || "/"
    const request: AuthRequest = { req, res, url, client: clientInfo(req) }
    try {
      if (
        path === "/admin" ||
        path.startsWith("/admin/") ||
        (path === "/invite" && req.method === "POST")
      ) {
        return await handleAdmin(k, request, path)
      }
      const factor = factorRoute(req.method ?? "", path) ?? passkeyRoute(req.method ?? "", path)
      const identity = req.method === "DELETE" && /^\/user\/identities\/[^/]+$/.test(path)
      const route =
        routes[`${req.method} ${path}`] ??
        (factor && ((r) => factor(k, r))) ??
        (identity ? manualLinkingDisabled : undefined)
      if (!route) throw notFound("not_found", "Not Found")
      if (verifyCaptcha && captchaApplies(req.method ?? "", path, url) && !(await isAdmin(req))) {
        await requireCaptcha(verifyCaptcha, await k.readJsonObject(req), request.client.ip)
      }
      await route(request)
    } catch (error) {
      if (!(error instanceof AuthApiFailure) && !(error instanceof OAuthFailure)) {
        ctx.log(
          `[auth] ${req.method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
        )
      }
      if (res.headersSent) return void res.destroy()
      sendAuthError(req, res, error)
    }
  }

  return { name: "auth", prefix: "/auth/v1", handle }
}
