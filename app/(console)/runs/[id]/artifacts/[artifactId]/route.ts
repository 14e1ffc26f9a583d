import { NextResponse } from "next/server"

import { artifactDownload } from "@/lib/runs/artifact-download"
import { createClient } from "@/lib/supabase/server"

/**
 * `GET /runs/<id>/artifacts/<artifact id>`: a redirect to a short-lived signed Storage URL for
 * the artifact, so the browser downloads straight from Storage and no byte passes through
 * Next.js (docs/storage.md, "Downloads"). The signed-in user's client asks, so RLS decides:
 * an artifact the caller cannot see answers 404, an expired one 410.
 */
export async function GET(
  _request: Request,
  { params }: { params: Promise<{ id: string; artifactId: string }> }
) {
  const { id, artifactId } = await params
  const supabase = await createClient()
  const { data: claims } = await supabase.auth.getClaims()
  if (!claims?.claims?.sub)
    return NextResponse.json({ error: "not_signed_in" }, { status: 401 })

  try {
    const download = await artifactDownload(supabase, {
      runId: id,
      artifactId,
    })
    if (!download.ok)
      return new NextResponse(download.reason, {
        status: download.status,
        headers: { "content-type": "text/plain; charset=utf-8" },
      })

    return NextResponse.redirect(download.url, {
      status: 303,
      headers: { "cache-control": "no-store" },
    })
  } catch (error) {
    console.error(`[runs/artifacts] ${String(error)}`)
    return NextResponse.json({ error: "read_failed" }, { status: 503 })
  }
}
