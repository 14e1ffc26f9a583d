import { NextResponse, type NextRequest } from "next/server"

import { authErrorKey } from "@/lib/auth/errors"
import { afterSignInPath, signInPath } from "@/lib/auth/redirects"
import { safeNextPath } from "@/lib/auth/safe-next-path"
import { getPublicEnv } from "@/lib/env"
import { createClient } from "@/lib/supabase/server"

// Email links and OAuth providers come back here with a PKCE code. The
// exchange needs the code verifier cookie the asking browser stored, so a
// link opened in another browser fails here and the person is offered the
// 6-digit code from the same email instead.
//
// With the email templates in supabase/templates (hosted Supabase, `supabase
// start`), links arrive with a token hash rather than a code: those work in
// any browser and are handed to /auth/confirm, which verifies them only when
// the person presses Continue.

function redirectTo(path: string) {
  // Built on the configured origin: the Host header is the client's to set.
  return NextResponse.redirect(
    new URL(path, getPublicEnv().NEXT_PUBLIC_SITE_URL),
    303
  )
}

export async function GET(request: NextRequest) {
  const params = request.nextUrl.searchParams
  const next = safeNextPath(params.get("next"))

  const upstreamError = params.get("error_code") ?? params.get("error")
  if (upstreamError) {
    console.error(
      `[auth] callback received ${upstreamError}: ${params.get("error_description") ?? ""}`
    )
    return redirectTo(
      signInPath({ next, error: authErrorKey(upstreamError), tab: "code" })
    )
  }

  const tokenHash = params.get("token_hash")
  const type = params.get("type")
  if (tokenHash && type) {
    const confirm = new URLSearchParams({ token_hash: tokenHash, type, next })

    return redirectTo(`/auth/confirm?${confirm.toString()}`)
  }

  const code = params.get("code")
  if (!code || code.length > 512) {
    return redirectTo(signInPath({ next, error: "link_invalid" }))
  }

  const supabase = await createClient()
  const { error } = await supabase.auth.exchangeCodeForSession(code)
  if (error) {
    console.error(
      `[auth] code exchange failed: ${error.code ?? "no code"} (${error.status ?? "no status"}) ${error.message}`
    )
    return redirectTo(
      signInPath({ next, error: authErrorKey(error), tab: "code" })
    )
  }

  return redirectTo(afterSignInPath(next))
}
