import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

import { PROJECT_ROLES } from "./permissions"

export { PROJECT_ROLES, type ProjectRole } from "./permissions"

const role = z.enum(PROJECT_ROLES)
const count = z.coerce.number().int().nonnegative()

const projectSummarySchema = z.object({
  id: dbId,
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  created_at: z.string(),
  my_role: role.nullable(),
  member_count: count,
  workflow_count: count,
  runs_last_7_days: count,
  last_activity_at: z.string(),
})

export type ProjectSummary = z.infer<typeof projectSummarySchema>

const SUMMARY_COLUMNS =
  "id, slug, name, description, created_at, my_role, member_count, workflow_count, runs_last_7_days, last_activity_at"

/** The projects the caller belongs to (RLS decides), with their role and the list's counts. */
export async function listProjects(
  supabase: Client
): Promise<ProjectSummary[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("project_summaries")
    .select(SUMMARY_COLUMNS)
    .order("name")
    .order("id")
    .limit(200)
  if (error) throw new Error(`listProjects: ${error.code} ${error.message}`)

  return z.array(projectSummarySchema).parse(data)
}

/** One project by its slug, or null when it does not exist or the caller is not a member. */
export async function getProjectBySlug(
  supabase: Client,
  { slug }: { slug: string }
): Promise<ProjectSummary | null> {
  const { data, error } = await supabase
    .schema("ops")
    .from("project_summaries")
    .select(SUMMARY_COLUMNS)
    .eq("slug", slug)
    .maybeSingle()
  if (error) throw new Error(`getProjectBySlug: ${error.code} ${error.message}`)

  return data ? projectSummarySchema.parse(data) : null
}

const myInvitationSchema = z.object({
  invitation_id: dbId,
  project_name: z.string(),
  role,
  inviter_name: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
})

export type MyInvitation = z.infer<typeof myInvitationSchema>

/** Open invitations addressed to the caller's email. */
export async function listMyInvitations(
  supabase: Client
): Promise<MyInvitation[]> {
  const { data, error } = await supabase.schema("ops").rpc("my_invitations")
  if (error)
    throw new Error(`listMyInvitations: ${error.code} ${error.message}`)

  return z.array(myInvitationSchema).parse(data)
}

const memberSchema = z.object({
  membership_id: dbId,
  user_id: dbId,
  role,
  display_name: z.string(),
  avatar_url: z.string().nullable(),
  email: z.string(),
  joined_at: z.string(),
})

export type ProjectMember = z.infer<typeof memberSchema>

/** The project's members, owners first, with email (visible to co-members only). */
export async function listMembers(
  supabase: Client,
  { projectId }: { projectId: string }
): Promise<ProjectMember[]> {
  const { data, error } = await supabase
    .schema("ops")
    .rpc("list_project_members", { p_project_id: projectId })
  if (error) throw new Error(`listMembers: ${error.code} ${error.message}`)

  return z.array(memberSchema).parse(data)
}

const invitationRowSchema = z.object({
  id: dbId,
  email: z.string(),
  role,
  invited_by: dbId.nullable(),
  created_at: z.string(),
  last_sent_at: z.string(),
  send_count: z.number().int(),
  expires_at: z.string(),
  accepted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  declined_at: z.string().nullable(),
  email_failed_at: z.string().nullable(),
  email_error: z.string().nullable(),
})

export type InvitationStatus =
  "pending" | "expired" | "accepted" | "revoked" | "declined"

export type ProjectInvitation = z.infer<typeof invitationRowSchema> & {
  status: InvitationStatus
  inviterName: string | null
}

/** The one rule for an invitation's state, shared by the list and its tests. */
export function invitationStatus(
  row: Pick<
    z.infer<typeof invitationRowSchema>,
    "accepted_at" | "revoked_at" | "declined_at" | "expires_at"
  >,
  now: Date
): InvitationStatus {
  if (row.accepted_at) return "accepted"
  if (row.declined_at) return "declined"
  if (row.revoked_at) return "revoked"
  if (new Date(row.expires_at).getTime() <= now.getTime()) return "expired"

  return "pending"
}

/** A project's invitations, newest first (admins and above; RLS gives others none). */
export async function listInvitations(
  supabase: Client,
  { projectId, now }: { projectId: string; now: Date }
): Promise<ProjectInvitation[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("invitations")
    .select(
      "id, email, role, invited_by, created_at, last_sent_at, send_count, expires_at, accepted_at, revoked_at, declined_at, email_failed_at, email_error"
    )
    .eq("project_id", projectId)
    .order("created_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(200)
  if (error) throw new Error(`listInvitations: ${error.code} ${error.message}`)
  const rows = z.array(invitationRowSchema).parse(data)
  const names = await displayNames(
    supabase,
    rows.flatMap((row) => (row.invited_by ? [row.invited_by] : []))
  )

  return rows.map((row) => ({
    ...row,
    status: invitationStatus(row, now),
    inviterName: row.invited_by ? (names.get(row.invited_by) ?? null) : null,
  }))
}

/** Display names of the given users that the caller may see (themselves and co-members). */
export async function displayNames(
  supabase: Client,
  userIds: string[]
): Promise<Map<string, string>> {
  const unique = [...new Set(userIds)]
  if (unique.length === 0) return new Map()
  const { data, error } = await supabase
    .from("profiles")
    .select("id, display_name")
    .in("id", unique)
  if (error) throw new Error(`displayNames: ${error.code} ${error.message}`)

  return new Map(
    z
      .array(z.object({ id: dbId, display_name: z.string() }))
      .parse(data)
      .map((profile) => [profile.id, profile.display_name])
  )
}

const auditEntrySchema = z.object({
  id: dbId,
  actor_user_id: dbId.nullable(),
  actor_device_id: dbId.nullable(),
  action: z.string(),
  target_type: z.string(),
  target_id: dbId.nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.string(),
})

export type AuditEntry = z.infer<typeof auditEntrySchema> & {
  actorName: string | null
}

export const activityFilterSchema = z.object({
  actor: dbId.optional().catch(undefined),
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*$/)
    .max(60)
    .optional()
    .catch(undefined),
  /** The keyset cursor: the last entry's created_at and id, "created_at,id". */
  before: z
    .string()
    .regex(/^[0-9T:.+\- Z]+,[0-9a-fA-F-]{36}$/)
    .optional()
    .catch(undefined),
})

export type ActivityFilter = z.infer<typeof activityFilterSchema>

export const ACTIVITY_PAGE_SIZE = 50

/**
 * One page of a project's audit log, newest first, with keyset pagination on
 * (created_at, id) so page 2000 costs what page 1 does. `action` matches a prefix of the
 * dotted name ("invitation" matches invitation.created, invitation.revoked…).
 */
export async function listActivity(
  supabase: Client,
  {
    projectId,
    filter,
    limit = ACTIVITY_PAGE_SIZE,
  }: { projectId: string; filter: ActivityFilter; limit?: number }
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  let query = supabase
    .from("audit_log")
    .select(
      "id, actor_user_id, actor_device_id, action, target_type, target_id, details, created_at"
    )
    .eq("project_id", projectId)
  if (filter.actor) query = query.eq("actor_user_id", filter.actor)
  if (filter.action) {
    query = filter.action.includes(".")
      ? query.eq("action", filter.action)
      : query.like("action", `${filter.action}.%`)
  }
  if (filter.before) {
    const [createdAt, id] = filter.before.split(",")
    // "(created_at, id) < cursor", written so the index range on created_at bounds the scan
    // (an OR of the two cases alone makes Postgres read every newer entry first).
    query = query
      .lte("created_at", createdAt)
      .or(`created_at.lt.${createdAt},id.lt.${id}`)
  }
  const { data, error } = await query
    .order("created_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(limit + 1)
  if (error) throw new Error(`listActivity: ${error.code} ${error.message}`)
  const rows = z.array(auditEntrySchema).parse(data)
  const page = rows.slice(0, limit)
  const names = await displayNames(
    supabase,
    page.flatMap((row) => (row.actor_user_id ? [row.actor_user_id] : []))
  )
  const last = page.at(-1)

  return {
    entries: page.map((row) => ({
      ...row,
      actorName: row.actor_user_id
        ? (names.get(row.actor_user_id) ?? null)
        : null,
    })),
    nextCursor:
      rows.length > limit && last ? `${last.created_at},${last.id}` : null,
  }
}

const workflowSchema = z.object({
  id: dbId,
  name: z.string(),
  kind: z.string(),
  description: z.string(),
  definition: z.unknown(),
  archived_at: z.string().nullable(),
  updated_at: z.string(),
})

export type ProjectWorkflow = z.infer<typeof workflowSchema>

/** The project's workflows, active ones first. */
export async function listWorkflows(
  supabase: Client,
  { projectId }: { projectId: string }
): Promise<ProjectWorkflow[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("workflows")
    .select("id, name, kind, description, definition, archived_at, updated_at")
    .eq("project_id", projectId)
    .order("archived_at", { ascending: true, nullsFirst: true })
    .order("name")
    .limit(500)
  if (error) throw new Error(`listWorkflows: ${error.code} ${error.message}`)

  return z.array(workflowSchema).parse(data)
}

const recentRunSchema = z.object({
  id: dbId,
  status: z.string(),
  queued_at: z.string(),
  finished_at: z.string().nullable(),
  workflow: z.object({ name: z.string() }).nullable(),
})

export type RecentRun = z.infer<typeof recentRunSchema>

export async function listRecentRuns(
  supabase: Client,
  { projectId, limit = 8 }: { projectId: string; limit?: number }
): Promise<RecentRun[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("runs")
    .select("id, status, queued_at, finished_at, workflow:workflows(name)")
    .eq("project_id", projectId)
    .order("queued_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(limit)
  if (error) throw new Error(`listRecentRuns: ${error.code} ${error.message}`)

  return z.array(recentRunSchema).parse(data)
}

const recentSessionSchema = z.object({
  id: dbId,
  title: z.string().nullable(),
  model: z.string().nullable(),
  updated_at: z.string(),
})

export type RecentSession = z.infer<typeof recentSessionSchema>

/** Chat sessions shared into the project (RLS: the ones the caller may read). */
export async function listRecentSessions(
  supabase: Client,
  { projectId, limit = 6 }: { projectId: string; limit?: number }
): Promise<RecentSession[]> {
  const { data, error } = await supabase
    .from("cloud_sessions")
    .select("id, title, model, updated_at")
    .eq("project_id", projectId)
    .order("updated_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(limit)
  if (error)
    throw new Error(`listRecentSessions: ${error.code} ${error.message}`)

  return z.array(recentSessionSchema).parse(data)
}

const advisorySchema = z.object({
  id: dbId,
  /** Null for the catalogue's own advisories (every signed-in person reads them). */
  project_id: dbId.nullable(),
  component: z.string(),
  current_version: z.string(),
  recommended_version: z.string(),
  severity: z.enum(["info", "low", "medium", "high", "critical"]),
  title: z.string(),
  body: z.string(),
  url: z.string().nullable(),
  published_at: z.string(),
  dismissed_at: z.string().nullable(),
})

export type Advisory = z.infer<typeof advisorySchema>

export const ADVISORY_SEVERITIES = advisorySchema.shape.severity.options

/**
 * Which rows a catalogue query reads: the catalogue's own (no project), one project's, or
 * everything the caller may see (the catalogue and all their projects').
 */
export type CatalogueScope =
  | { kind: "all" }
  | { kind: "catalogue" }
  | { kind: "project"; projectId: string }

/** Upgrade advisories in scope, newest first (RLS decides which projects are visible). */
export async function listAdvisories(
  supabase: Client,
  {
    scope = { kind: "all" },
    openOnly = false,
  }: { scope?: CatalogueScope; openOnly?: boolean }
): Promise<Advisory[]> {
  let query = supabase
    .schema("ops")
    .from("upgrade_advisories")
    .select(
      "id, project_id, component, current_version, recommended_version, severity, title, body, url, published_at, dismissed_at"
    )
  if (scope.kind === "project") query = query.eq("project_id", scope.projectId)
  if (scope.kind === "catalogue") query = query.is("project_id", null)
  if (openOnly) query = query.is("dismissed_at", null)
  const { data, error } = await query
    .order("published_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(500)
  if (error) throw new Error(`listAdvisories: ${error.code} ${error.message}`)

  return z.array(advisorySchema).parse(data)
}

const toolSchema = z.object({
  id: dbId,
  /** Null for the catalogue's own tools. */
  project_id: dbId.nullable(),
  name: z.string(),
  kind: z.string(),
  version: z.string(),
  description: z.string(),
  enabled: z.boolean(),
})

export type Tool = z.infer<typeof toolSchema>

/** The catalogue's tools and those recorded in the caller's projects, in scope. */
export async function listTools(
  supabase: Client,
  { scope = { kind: "all" } }: { scope?: CatalogueScope } = {}
): Promise<Tool[]> {
  let query = supabase
    .schema("ops")
    .from("tools")
    .select("id, project_id, name, kind, version, description, enabled")
  if (scope.kind === "project") query = query.eq("project_id", scope.projectId)
  if (scope.kind === "catalogue") query = query.is("project_id", null)
  const { data, error } = await query.order("name").order("id").limit(1000)
  if (error) throw new Error(`listTools: ${error.code} ${error.message}`)

  return z.array(toolSchema).parse(data)
}

const catalogueMatchSchema = z.object({
  advisory_id: dbId,
  tool_id: dbId,
  tool_name: z.string(),
  recorded_version: z.string(),
  component: z.string(),
  current_version: z.string(),
  recommended_version: z.string(),
  severity: advisorySchema.shape.severity,
  title: z.string(),
  url: z.string().nullable(),
  published_at: z.string(),
})

export type CatalogueMatch = z.infer<typeof catalogueMatchSchema>

/**
 * The catalogue advisories that concern the versions a project records for its tools, most
 * severe first (ops.project_catalogue_advisories; members only, as RLS on the tools decides).
 */
export async function listProjectCatalogueAdvisories(
  supabase: Client,
  { projectId }: { projectId: string }
): Promise<CatalogueMatch[]> {
  const { data, error } = await supabase
    .schema("ops")
    .rpc("project_catalogue_advisories", { p_project_id: projectId })
  if (error)
    throw new Error(
      `listProjectCatalogueAdvisories: ${error.code} ${error.message}`
    )

  return z.array(catalogueMatchSchema).parse(data)
}
