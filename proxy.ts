import { NextResponse, type NextRequest } from "next/server"

// TODO(#7): call updateSession(request) from lib/supabase/proxy.ts here to
// refresh the session cookie, and redirect anonymous visitors of console
// routes to /sign-in.
export function proxy(_request: NextRequest) {
  return NextResponse.next()
}

export const config = {
  matcher: [
    // Everything except Next's build output, the favicon and static images.
    "/((?!_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)",
  ],
}
