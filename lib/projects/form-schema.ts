import { z } from "zod"

import { dbId } from "@/lib/db-id"

import { PROJECT_ROLES } from "./permissions"

export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$/

const name = z
  .string()
  .trim()
  .min(1, "Give the project a name.")
  .max(100, "A project name has at most 100 characters.")

const slug = z
  .string()
  .trim()
  .toLowerCase()
  .max(48, "A slug has at most 48 characters.")
  .regex(
    SLUG_PATTERN,
    "Use lower-case letters, digits and hyphens, starting and ending with a letter or digit."
  )

const description = z
  .string()
  .trim()
  .max(2000, "A description has at most 2000 characters.")
  .default("")

export const projectCreateSchema = z.object({
  name,
  // Empty means "make one from the name" (the database picks a free one).
  slug: z.union([z.literal(""), slug]).default(""),
  description,
})

export const projectUpdateSchema = z.object({
  projectId: dbId,
  name,
  slug,
  description,
})

export const projectDeleteSchema = z
  .object({ projectId: dbId, slug: z.string(), confirm: z.string() })
  .refine((value) => value.confirm.trim() === value.slug, {
    message: "Type the project's slug exactly to delete it.",
    path: ["confirm"],
  })

export const roleSchema = z.enum(PROJECT_ROLES, "Choose a role.")

export const inviteSchema = z.object({
  projectId: dbId,
  email: z
    .email("Enter an email address, like name@example.com.")
    .trim()
    .toLowerCase()
    .max(320),
  role: roleSchema,
})

export const invitationIdSchema = z.object({ invitationId: dbId })

export const invitationTokenSchema = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{20,100}$/, "This invitation link is not valid."),
})

export const roleChangeSchema = z.object({
  membershipId: dbId,
  role: roleSchema,
})

export const membershipIdSchema = z.object({ membershipId: dbId })

export const transferSchema = z.object({ projectId: dbId, userId: dbId })

export const projectIdSchema = z.object({ projectId: dbId })

export const WORKFLOW_KINDS = [
  "build",
  "test",
  "deploy",
  "backup",
  "upgrade",
  "maintenance",
  "custom",
] as const

export const workflowSaveSchema = z.object({
  projectId: dbId,
  // Absent for a new workflow.
  workflowId: dbId.optional(),
  name: z
    .string()
    .trim()
    .min(1, "Give the workflow a name.")
    .max(100, "A workflow name has at most 100 characters."),
  kind: z.enum(WORKFLOW_KINDS, "Choose a kind."),
  description: z.string().trim().max(2000).default(""),
  definition: z.string().max(200_000, "The definition is too long."),
})

export const workflowArchiveSchema = z.object({
  workflowId: dbId,
  archived: z.boolean(),
})

export const runNowSchema = z.object({ workflowId: dbId })
