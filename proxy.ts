import { NextResponse, type NextRequest } from "next/server"

import { afterSignInPath, signInPath } from "@/lib/auth/redirects"
import { REQUEST_PATH_HEADER } from "@/lib/auth/request-path"
import { routeAccess } from "@/lib/auth/routes"
import { listChatTunnels } from "@/lib/chat/tunnel"
import { getPublicEnv } from "@/lib/env"
import {
  contentSecurityPolicy,
  createNonce,
  NONCE_HEADER,
} from "@/lib/security/content-security-policy"
import { updateSession } from "@/lib/supabase/proxy"

// Redirects go to the configured origin, never to the request's Host or
// X-Forwarded-Host, which a client or a misconfigured proxy can set.
function redirectKeepingCookies(path: string, from: NextResponse) {
  const target = new URL(path, getPublicEnv().NEXT_PUBLIC_SITE_URL)
  const response = NextResponse.redirect(target, 307)
  // The refreshed (or cleared) session cookies must reach the browser even
  // when the page itself is not rendered.
  for (const cookie of from.cookies.getAll()) response.cookies.set(cookie)
  for (const header of ["cache-control", "expires", "pragma"]) {
    const value = from.headers.get(header)
    if (value) response.headers.set(header, value)
  }

  return response
}

// A fresh nonce per response (docs/security.md, "Content-Security-Policy"): Next reads it from
// the request's Content-Security-Policy header and puts it on the scripts it renders; the root
// layout reads NONCE_HEADER for the theme script.
function withContentSecurityPolicy(request: NextRequest) {
  const env = getPublicEnv()
  const nonce = createNonce()
  const build = (deviceTunnels: string[] = []) =>
    contentSecurityPolicy({
      nonce,
      supabaseUrl: env.NEXT_PUBLIC_SUPABASE_URL,
      captcha: env.NEXT_PUBLIC_CAPTCHA_PROVIDER,
      development: process.env.NODE_ENV === "development",
      deviceTunnels,
    })
  const policy = build()
  request.headers.set(NONCE_HEADER, nonce)
  request.headers.set("content-security-policy", policy)

  // Next reads only the nonce from the request's header, so the response's may add the
  // /chat page's device tunnels, known once the session is read.
  return <T extends NextResponse>(
    response: T,
    deviceTunnels: string[] = []
  ) => {
    response.headers.set(
      "content-security-policy",
      deviceTunnels.length > 0 ? build(deviceTunnels) : policy
    )

    return response
  }
}

/**
 * /chat may call the user's own device tunnels directly (docs/chat-relay.md): one read under
 * the user's RLS, on that page only. The console links to /chat with a full page load
 * (components/shell/nav-items.ts), so the document always carries this page's policy.
 */
async function chatTunnelOrigins(
  supabase: Awaited<ReturnType<typeof updateSession>>["supabase"]
) {
  try {
    return (await listChatTunnels(supabase)).map((tunnel) => tunnel.origin)
  } catch (error) {
    console.error(`[chat] tunnel origins unread: ${String(error)}`)
    return []
  }
}

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl
  const access = routeAccess(pathname)
  if (access === "device-api") return NextResponse.next()

  const secure = withContentSecurityPolicy(request)
  // Overwrites whatever the browser sent under this name.
  request.headers.set(REQUEST_PATH_HEADER, `${pathname}${search}`)
  // A console page that found its session gone (signed out everywhere) sends the browser to
  // sign-in with error=session_missing (lib/auth/current-user.ts): there Auth is asked, and
  // the dead session's cookies are cleared instead of sending the browser back.
  const verifySession =
    access === "guest" &&
    request.nextUrl.searchParams.get("error") === "session_missing"
  // updateSession passes the request (and the headers set above) on to the page.
  const { response, claims, supabase } = await updateSession(request, {
    verifySession,
  })
  const signedIn = claims !== null

  if (access === "console" && !signedIn) {
    return secure(
      redirectKeepingCookies(
        signInPath({ next: `${pathname}${search}` }),
        response
      )
    )
  }
  if (access === "guest" && signedIn) {
    const next = request.nextUrl.searchParams.get("next")

    return secure(redirectKeepingCookies(afterSignInPath(next), response))
  }
  if (pathname === "/chat" && signedIn) {
    return secure(response, await chatTunnelOrigins(supabase))
  }

  return secure(response)
}

export const config = {
  matcher: [
    // Everything except Next's build output and public/'s files (icons, robots.txt, manifest).
    "/((?!_next/static|_next/image|favicon.ico|robots.txt|manifest.webmanifest|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)",
  ],
}
