import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

import { PROJECT_ROLES } from "./permissions"

const previewSchema = z.object({
  invitation_id: dbId,
  project_name: z.string(),
  project_slug: z.string(),
  email: z.string(),
  role: z.enum(PROJECT_ROLES),
  inviter_name: z.string(),
  expires_at: z.string(),
  status: z.enum(["pending", "expired", "accepted", "revoked", "declined"]),
})

export type InvitationPreview = z.infer<typeof previewSchema>

export const invitationTokenParam = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/)

/** What an invitation link offers, read with its token (ops.get_invitation); null if none. */
export async function getInvitationPreview(
  supabase: Client,
  { token }: { token: string }
): Promise<InvitationPreview | null> {
  const { data, error } = await supabase
    .schema("ops")
    .rpc("get_invitation", { p_token: token })
    .maybeSingle()
  if (error)
    throw new Error(`getInvitationPreview: ${error.code} ${error.message}`)

  return data ? previewSchema.parse(data) : null
}
