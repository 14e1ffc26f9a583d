"use server"

import { revalidatePath } from "next/cache"
import { type z } from "zod"

import { fail, invalid, ok, type ActionResult } from "@/lib/action-result"
import { isStepUpRefusal, stepUpRequired } from "@/lib/auth/step-up"
import { createClient } from "@/lib/supabase/server"
import { type Client } from "@/lib/supabase/types"
import { checkDefinitionText } from "@/lib/workflows/definition"

import { databaseMessage } from "./errors"
import {
  invitationIdSchema,
  invitationTokenSchema,
  inviteSchema,
  membershipIdSchema,
  projectCreateSchema,
  projectDeleteSchema,
  projectUpdateSchema,
  roleChangeSchema,
  runNowSchema,
  transferSchema,
  workflowArchiveSchema,
  workflowSaveSchema,
} from "./form-schema"
import { sendInvitationEmail } from "./invitation-email"

// Every write acts as the signed-in user: RLS, the ops RPCs and their triggers decide, and
// their refusals come back as the form's message (lib/projects/errors.ts). The projects
// pages render on the server, so a change revalidates them rather than patching a cache.

function refreshProjects() {
  revalidatePath("/projects", "layout")
}

function log(what: string, error: { code?: string; message: string }) {
  console.error(`[projects] ${what}: ${error.code} ${error.message}`)
}

type WriteOutcome = {
  data: unknown
  error: { code?: string; message: string; details?: string | null } | null
}

/**
 * The shape every membership-style write shares: parse the input, run the write as the user,
 * and, for a write that returns its rows, read "no row" as the policy's refusal (RLS filters
 * the row out rather than raising). A database error becomes the form's message.
 */
async function guardedWrite<T>(
  schema: z.ZodType<T>,
  input: unknown,
  what: string,
  write: (supabase: Client, values: T) => PromiseLike<WriteOutcome>,
  refusal?: string
): Promise<ActionResult<null>> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)

  const supabase = await createClient()
  const { data, error } = await write(supabase, parsed.data)
  if (isStepUpRefusal(error)) return stepUpRequired()
  if (error) {
    log(`${what} failed`, error)
    return fail(databaseMessage(error))
  }
  if (refusal !== undefined && !(Array.isArray(data) && data.length > 0))
    return fail(refusal)
  refreshProjects()

  return ok(null)
}

function fieldsOf(input: unknown): unknown {
  if (input instanceof FormData) {
    return Object.fromEntries(
      [...input.entries()].filter(([, value]) => typeof value === "string")
    )
  }

  return input
}

export async function createProject(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ slug: string }>> {
  const parsed = projectCreateSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const { name, slug, description } = parsed.data

  const supabase = await createClient()
  const { data, error } = await supabase.schema("ops").rpc("create_project", {
    p_name: name,
    p_description: description,
    p_slug: slug,
  })
  if (error || !data) {
    if (error) log("create failed", error)
    const message = databaseMessage(error ?? { message: "" })
    return message.includes("slug")
      ? fail(undefined, {
          errors: { slug: [message] },
          values: { name, slug, description },
        })
      : fail(message, { values: { name, slug, description } })
  }
  refreshProjects()

  return ok({ slug: data.slug })
}

export async function updateProject(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ slug: string }>> {
  const parsed = projectUpdateSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const { projectId, name, slug, description } = parsed.data

  const supabase = await createClient()
  const { data, error } = await supabase
    .schema("ops")
    .from("projects")
    .update({ name, slug, description })
    .eq("id", projectId)
    .select("slug")
    .maybeSingle()
  if (error) {
    log("update failed", error)
    const message = databaseMessage(error)
    return message.includes("slug")
      ? fail(undefined, { errors: { slug: [message] } })
      : fail(message)
  }
  if (!data)
    return fail("Only admins and owners can change the project's settings.")
  refreshProjects()

  return ok({ slug: data.slug })
}

export async function deleteProject(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    projectDeleteSchema,
    fieldsOf(input),
    "delete",
    (supabase, { projectId }) =>
      supabase
        .schema("ops")
        .from("projects")
        .delete()
        .eq("id", projectId)
        .select("id"),
    "Only an owner can delete the project."
  )
}

export async function inviteMember(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ email: string; emailSent: boolean }>> {
  const parsed = inviteSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const { projectId, email, role } = parsed.data

  const supabase = await createClient()
  const { data, error } = await supabase
    .schema("ops")
    .rpc("invite_member", {
      p_project_id: projectId,
      p_email: email,
      p_role: role,
    })
    .single()
  if (error || !data) {
    if (error) log("invite failed", error)
    return fail(databaseMessage(error ?? { message: "" }), {
      values: { email, role },
    })
  }
  const emailSent = await deliver(data.invitation_id, email, data.token)
  refreshProjects()

  return ok({ email, emailSent })
}

/** Mails the link and records the outcome on the invitation, so a failure stays visible. */
async function deliver(invitationId: string, email: string, token: string) {
  const problem = await sendInvitationEmail({ email, token })
  const supabase = await createClient()
  // Without p_error (null) the function clears an earlier failure.
  const { error } = await supabase
    .schema("ops")
    .rpc("record_invitation_email", {
      p_invitation_id: invitationId,
      ...(problem ? { p_error: problem } : {}),
    })
  if (error) log("recording the email outcome failed", error)

  return problem === null
}

export async function resendInvitation(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ emailSent: boolean }>> {
  const parsed = invitationIdSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)

  const supabase = await createClient()
  const { data: invitation, error: readError } = await supabase
    .schema("ops")
    .from("invitations")
    .select("email")
    .eq("id", parsed.data.invitationId)
    .maybeSingle()
  if (readError) log("resend read failed", readError)
  if (!invitation) return fail("That invitation no longer exists.")
  const { data, error } = await supabase
    .schema("ops")
    .rpc("resend_invitation", { p_invitation_id: parsed.data.invitationId })
    .single()
  if (error || !data) {
    if (error) log("resend failed", error)
    return fail(databaseMessage(error ?? { message: "" }))
  }
  const emailSent = await deliver(
    data.invitation_id,
    invitation.email,
    data.token
  )
  refreshProjects()

  return ok({ emailSent })
}

export async function revokeInvitation(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    invitationIdSchema,
    input,
    "revoke",
    (supabase, { invitationId }) =>
      supabase
        .schema("ops")
        .rpc("revoke_invitation", { p_invitation_id: invitationId })
  )
}

export async function acceptInvitation(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ slug: string | null }>> {
  const supabase = await createClient()
  const byToken = invitationTokenSchema.safeParse(input)
  const byId = invitationIdSchema.safeParse(input)
  if (!byToken.success && !byId.success)
    return fail("This invitation link is not valid.")
  const { data: projectId, error } = byToken.success
    ? await supabase
        .schema("ops")
        .rpc("accept_invitation", { p_token: byToken.data.token })
    : await supabase.schema("ops").rpc("accept_invitation_by_id", {
        p_invitation_id: byId.data!.invitationId,
      })
  if (error || !projectId) {
    if (error) log("accept failed", error)
    return fail(databaseMessage(error ?? { message: "" }))
  }
  const { data: project } = await supabase
    .schema("ops")
    .from("projects")
    .select("slug")
    .eq("id", projectId)
    .maybeSingle()
  refreshProjects()

  return ok({ slug: project?.slug ?? null })
}

export async function declineInvitation(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    invitationIdSchema,
    input,
    "decline",
    (supabase, { invitationId }) =>
      supabase
        .schema("ops")
        .rpc("decline_invitation", { p_invitation_id: invitationId })
  )
}

export async function changeRole(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    roleChangeSchema,
    input,
    "role change",
    (supabase, { membershipId, role }) =>
      supabase
        .schema("ops")
        .from("project_memberships")
        .update({ role })
        .eq("id", membershipId)
        .select("id"),
    "Your role does not allow changing this member's role."
  )
}

/** Removes a member, or the caller themselves (leaving): the policy decides which applies. */
export async function removeMember(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    membershipIdSchema,
    input,
    "remove",
    (supabase, { membershipId }) =>
      supabase
        .schema("ops")
        .from("project_memberships")
        .delete()
        .eq("id", membershipId)
        .select("id"),
    "Your role does not allow removing this member."
  )
}

export async function transferOwnership(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    transferSchema,
    input,
    "transfer",
    (supabase, { projectId, userId }) =>
      supabase.schema("ops").rpc("transfer_ownership", {
        p_project_id: projectId,
        p_user_id: userId,
      })
  )
}

export async function runWorkflowNow(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ runId: string }>> {
  const parsed = runNowSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)

  const supabase = await createClient()
  const { data, error } = await supabase
    .schema("ops")
    .rpc("queue_run", { p_workflow_id: parsed.data.workflowId })
  if (error || !data) {
    if (error) log("run now failed", error)
    return fail(databaseMessage(error ?? { message: "" }))
  }
  refreshProjects()

  return ok({ runId: data.id })
}

export async function saveWorkflow(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string }>> {
  const parsed = workflowSaveSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const { projectId, workflowId, name, kind, description } = parsed.data
  const checked = checkDefinitionText(parsed.data.definition)
  if (!checked.ok) {
    return fail(undefined, {
      errors: {
        definition: checked.problems.map(
          (problem) => `Line ${problem.line}: ${problem.message}`
        ),
      },
    })
  }
  const definition = checked.definition

  const supabase = await createClient()
  const user = (await supabase.auth.getClaims()).data?.claims.sub
  const query = workflowId
    ? supabase
        .schema("ops")
        .from("workflows")
        .update({ name, kind, description, definition })
        .eq("id", workflowId)
        .eq("project_id", projectId)
    : supabase.schema("ops").from("workflows").insert({
        project_id: projectId,
        name,
        kind,
        description,
        definition,
        created_by: user,
      })
  const { data, error } = await query.select("id").maybeSingle()
  if (isStepUpRefusal(error)) return stepUpRequired()
  if (error) {
    log("workflow save failed", error)
    return fail(
      error.code === "23505"
        ? "Another workflow in this project has that name."
        : databaseMessage(error)
    )
  }
  if (!data)
    return fail("Only developers, admins and owners can change workflows.")
  refreshProjects()

  return ok({ id: data.id })
}

export async function archiveWorkflow(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  return guardedWrite(
    workflowArchiveSchema,
    input,
    "archive",
    (supabase, { workflowId, archived }) =>
      supabase
        .schema("ops")
        .from("workflows")
        .update({ archived_at: archived ? new Date().toISOString() : null })
        .eq("id", workflowId)
        .select("id"),
    "Only developers, admins and owners can archive workflows."
  )
}
