import { PROJECT_ROLES, ROLE_LABELS, type ProjectRole } from "./permissions"

// The audit log's actions in words, for the Activity tab and its CSV. Unknown actions (a
// later migration's) fall back to the dotted name, never to nothing.

export const ACTION_GROUPS = [
  { value: "member", label: "Members and roles" },
  { value: "invitation", label: "Invitations" },
  { value: "run", label: "Runs" },
  { value: "workflow", label: "Workflows" },
  { value: "project", label: "Project" },
] as const

function roleLabel(value: unknown): string {
  return PROJECT_ROLES.includes(value as ProjectRole)
    ? ROLE_LABELS[value as ProjectRole]
    : String(value ?? "?")
}

function text(value: unknown): string {
  return typeof value === "string" ? value : ""
}

/**
 * One line describing an entry: `names` resolves user ids in details (a member's name) where
 * the caller may see them.
 */
export function describeActivity(
  action: string,
  details: Record<string, unknown>,
  names: Map<string, string> = new Map()
): string {
  const who = (id: unknown) =>
    (typeof id === "string" && names.get(id)) || "a member"
  switch (action) {
    case "project.created":
      return `Created the project ${text(details.name)}`.trim()
    case "project.updated":
      return "Changed the project's settings"
    case "project.ownership_transferred":
      return `Transferred ownership to ${who(details.to_user_id)}`
    case "member.added":
      return `Added ${who(details.user_id)} as ${roleLabel(details.role)}`
    case "member.role_changed":
      return `Changed ${who(details.user_id)}'s role from ${roleLabel(details.from)} to ${roleLabel(details.to)}`
    case "member.removed":
      return `Removed ${who(details.user_id)} (${roleLabel(details.role)})`
    case "invitation.created":
      return `Invited ${text(details.email)} as ${roleLabel(details.role)}`
    case "invitation.resent":
      return `Resent the invitation to ${text(details.email)}`
    case "invitation.revoked":
      return `Revoked the invitation to ${text(details.email)}`
    case "invitation.accepted":
      return `Accepted the invitation as ${roleLabel(details.role)}`
    case "invitation.declined":
      return `Declined the invitation to ${text(details.email)}`
    case "invitation.email_failed":
      return `The invitation email to ${text(details.email)} could not be sent`
    case "run.queued":
      return `Queued a run of ${text(details.workflow) || "a workflow"}`
    case "run.canceled":
      return details.reason === "member_removed"
        ? "A run was canceled: the member who queued it left"
        : "Canceled a run"
    case "run.rerun":
      return "Re-ran a run"
    case "workflow.created":
      return `Created the workflow ${text(details.name)}`
    case "workflow.updated":
      return `Edited the workflow ${text(details.name)}`
    case "workflow.archived":
      return `Archived the workflow ${text(details.name)}`
    case "workflow.restored":
      return `Restored the workflow ${text(details.name)}`
    default:
      return action
  }
}

/** Quotes a CSV field (RFC 4180), and defuses spreadsheet formulas (=, +, -, @ first). */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value

  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}
