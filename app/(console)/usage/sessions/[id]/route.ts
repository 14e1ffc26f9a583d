import { NextResponse } from "next/server"

import { dbId } from "@/lib/db-id"
import { createClient } from "@/lib/supabase/server"

/**
 * Drill-down from the usage page: a session opens at its most expensive message
 * (`/sessions/<id>#m-<message id>`). RLS decides whether the caller may see it.
 */
export async function GET(
  _request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  const parsed = dbId.safeParse((await params).id)
  if (!parsed.success) {
    return NextResponse.json({ error: "Not a session id." }, { status: 404 })
  }
  const supabase = await createClient()
  const { data, error } = await supabase
    .from("cloud_messages")
    .select("id")
    .eq("session_id", parsed.data)
    .is("deleted_at", null)
    .order("cost_usd", { ascending: false })
    .order("message_index")
    .limit(1)
    .maybeSingle()
  if (error) {
    console.error(`[usage] session drill-down: ${error.code} ${error.message}`)

    return NextResponse.json(
      { error: "Could not open the session." },
      { status: 502 }
    )
  }
  // A relative Location: behind a proxy or on another host name than the one Next sees
  // (127.0.0.1 vs localhost), an absolute one would leave the session cookie behind.
  const target = `/sessions/${parsed.data}${data ? `#m-${data.id}` : ""}`

  return new Response(null, { status: 303, headers: { location: target } })
}
