import { type NextRequest } from "next/server"
import { z } from "zod"

import { csvField, describeActivity } from "@/lib/projects/activity-format"
import {
  activityFilterSchema,
  getProjectBySlug,
  listActivity,
} from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"

// The whole filtered audit log as CSV (UTC timestamps), read page by page on the same keyset
// as the tab, as the signed-in user: RLS decides what is in it.
const MAX_ROWS = 100_000
const PAGE = 1000

export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ slug: string }> }
) {
  const slug = z
    .string()
    .regex(/^[a-z0-9-]{1,48}$/)
    .safeParse((await params).slug)
  if (!slug.success) return new Response("Not found", { status: 404 })
  const search = request.nextUrl.searchParams
  const filter = activityFilterSchema.parse({
    actor: search.get("actor") || undefined,
    action: search.get("action") || undefined,
  })
  const supabase = await createClient()
  const { data: claims } = await supabase.auth.getClaims()
  if (!claims?.claims.sub) return new Response("Sign in first", { status: 401 })
  const project = await getProjectBySlug(supabase, { slug: slug.data })
  if (!project) return new Response("Not found", { status: 404 })

  const lines = [
    "time_utc,actor,actor_user_id,from,action,description,target_type,target_id",
  ]
  let before: string | undefined
  for (let read = 0; read < MAX_ROWS; read += PAGE) {
    const page = await listActivity(supabase, {
      projectId: project.id,
      filter: { ...filter, before },
      limit: PAGE,
    })
    for (const entry of page.entries) {
      lines.push(
        [
          new Date(entry.created_at).toISOString(),
          entry.actorName ?? "",
          entry.actor_user_id ?? "",
          entry.actor_device_id ? `device ${entry.actor_device_id}` : "console",
          entry.action,
          describeActivity(entry.action, entry.details),
          entry.target_type,
          entry.target_id ?? "",
        ]
          .map(csvField)
          .join(",")
      )
    }
    if (!page.nextCursor) break
    before = page.nextCursor
  }

  return new Response(`${lines.join("\r\n")}\r\n`, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${project.slug}-activity.csv"`,
      "cache-control": "no-store",
    },
  })
}
