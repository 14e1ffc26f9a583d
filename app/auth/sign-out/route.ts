import { NextResponse, type NextRequest } from "next/server"

import { signOutScopeSchema } from "@/lib/auth/schema"
import { getPublicEnv } from "@/lib/env"
import { createClient } from "@/lib/supabase/server"

// POST only: a GET that signs out could be triggered by any <img> on any
// site. The form field `scope` is local (this browser), others (every other
// browser) or global (everywhere).

function redirectTo(path: string) {
  return NextResponse.redirect(
    new URL(path, getPublicEnv().NEXT_PUBLIC_SITE_URL),
    303
  )
}

export async function POST(request: NextRequest) {
  // SameSite=Lax already keeps the cookie off cross-site POSTs; refusing a
  // foreign Origin makes the intent explicit and covers older browsers.
  const origin = request.headers.get("origin")
  const siteOrigin = new URL(getPublicEnv().NEXT_PUBLIC_SITE_URL).origin
  if (origin !== null && origin !== siteOrigin) {
    return NextResponse.json(
      { error: "forbidden", message: "Sign-out must come from the console." },
      { status: 403 }
    )
  }

  let scopeField: FormDataEntryValue | null = null
  try {
    scopeField = (await request.formData()).get("scope")
  } catch {
    // No form body: sign out this browser, the least surprising default.
  }
  const scope = signOutScopeSchema.catch("local").parse(scopeField ?? "local")

  const supabase = await createClient()
  const { error } = await supabase.auth.signOut({ scope })
  if (error) {
    // The local cookies are cleared either way; log why Auth refused.
    console.error(
      `[auth] sign-out (${scope}) failed: ${error.code ?? "no code"} (${error.status ?? "no status"}) ${error.message}`
    )
  }

  if (scope === "others") {
    return redirectTo(
      error ? "/settings?signed_out=failed" : "/settings?signed_out=others"
    )
  }

  return redirectTo(
    scope === "global"
      ? "/sign-in?signed_out=everywhere"
      : "/sign-in?signed_out=1"
  )
}
