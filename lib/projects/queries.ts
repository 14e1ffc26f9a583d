import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

export const PROJECT_ROLES = ["owner", "admin", "developer", "viewer"] as const
export type ProjectRole = (typeof PROJECT_ROLES)[number]

const projectRowSchema = z.object({
  id: dbId,
  name: z.string(),
  updated_at: z.string(),
  members: z.array(z.object({ user_id: dbId, role: z.enum(PROJECT_ROLES) })),
})

export type ProjectListItem = {
  id: string
  name: string
  updatedAt: string
  /** The caller's role; null only if RLS shows a project without their membership. */
  role: ProjectRole | null
  memberCount: number
}

/** The projects the caller belongs to (RLS decides), with their role and member count. */
export async function listProjects(
  supabase: Client,
  { userId }: { userId: string }
): Promise<ProjectListItem[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("projects")
    .select("id, name, updated_at, members:project_memberships(user_id, role)")
    .order("name")
    .order("id")
    .limit(200)
  if (error) throw new Error(`listProjects: ${error.code} ${error.message}`)

  return z
    .array(projectRowSchema)
    .parse(data)
    .map((project) => ({
      id: project.id,
      name: project.name,
      updatedAt: project.updated_at,
      role:
        project.members.find((member) => member.user_id === userId)?.role ??
        null,
      memberCount: project.members.length,
    }))
}
