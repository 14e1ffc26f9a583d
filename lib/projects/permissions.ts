// What each project role may do: the one table the permission matrix on the Members tab,
// the role explanation on an invitation and the buttons' enabled state are all drawn from.
// supabase/tests/project-permissions.int.test.ts runs every row against the database as each
// role, so this table cannot say something the policies and RPCs do not enforce.

export const PROJECT_ROLES = ["owner", "admin", "developer", "viewer"] as const
export type ProjectRole = (typeof PROJECT_ROLES)[number]

export const ROLE_LABELS: Record<ProjectRole, string> = {
  owner: "Owner",
  admin: "Admin",
  developer: "Developer",
  viewer: "Viewer",
}

const ROLE_RANK: Record<ProjectRole, number> = {
  owner: 4,
  admin: 3,
  developer: 2,
  viewer: 1,
}

export type Permission = {
  /** What the person does, as the matrix's row label. */
  label: string
  /** The lowest role that may. */
  minRole: ProjectRole
  /** Shown on a disabled control: why this role cannot. */
  deniedReason: string
}

export const PERMISSIONS = {
  viewProject: {
    label: "See the project, its members, runs, workflows and activity",
    minRole: "viewer",
    deniedReason: "Only members can see this project.",
  },
  leaveProject: {
    label: "Leave the project (an owner only while another owner remains)",
    minRole: "viewer",
    deniedReason: "Only members can leave.",
  },
  queueRuns: {
    label: "Run workflows, cancel and re-run runs",
    minRole: "developer",
    deniedReason:
      "Viewers cannot start or cancel runs: ask an admin for the developer role.",
  },
  editWorkflows: {
    label: "Create, edit and archive workflows",
    minRole: "developer",
    deniedReason: "Only developers, admins and owners can change workflows.",
  },
  editTools: {
    label: "Record tools and their versions, triage upgrade advisories",
    minRole: "developer",
    deniedReason:
      "Only developers, admins and owners can change the tool list.",
  },
  deleteWorkflows: {
    label: "Delete workflows that never ran",
    minRole: "admin",
    deniedReason: "Only admins and owners can delete workflows.",
  },
  inviteMembers: {
    label:
      "Invite people (up to their own role), resend and revoke invitations",
    minRole: "admin",
    deniedReason: "Only admins and owners can invite people.",
  },
  changeRoles: {
    label: "Change members' roles (up to their own role)",
    minRole: "admin",
    deniedReason: "Only admins and owners can change roles.",
  },
  removeMembers: {
    label: "Remove members (up to their own role)",
    minRole: "admin",
    deniedReason: "Only admins and owners can remove members.",
  },
  editSettings: {
    label: "Rename the project, change its slug and description",
    minRole: "admin",
    deniedReason: "Only admins and owners can change the project's settings.",
  },
  transferOwnership: {
    label: "Transfer ownership to another member",
    minRole: "owner",
    deniedReason: "Only an owner can transfer ownership.",
  },
  deleteProject: {
    label: "Delete the project",
    minRole: "owner",
    deniedReason: "Only an owner can delete the project.",
  },
} as const satisfies Record<string, Permission>

export type PermissionKey = keyof typeof PERMISSIONS

export const PERMISSION_KEYS = Object.keys(PERMISSIONS) as PermissionKey[]

export function roleRank(role: ProjectRole): number {
  return ROLE_RANK[role]
}

/** Whether `role` may do `permission`; no role (not a member) may do nothing. */
export function can(
  role: ProjectRole | null | undefined,
  permission: PermissionKey
): boolean {
  if (!role) return false

  return ROLE_RANK[role] >= ROLE_RANK[PERMISSIONS[permission].minRole]
}

/** Whether someone with `actor` may give or take away `target` (admins up to their own rank). */
export function canManageRole(
  actor: ProjectRole | null | undefined,
  target: ProjectRole
): boolean {
  if (!actor || !can(actor, "changeRoles")) return false

  return ROLE_RANK[target] <= ROLE_RANK[actor]
}

/** The roles `actor` may assign or invite to, highest first. */
export function assignableRoles(actor: ProjectRole | null | undefined) {
  return PROJECT_ROLES.filter((role) => canManageRole(actor, role))
}

/** What a role may do, for the invitation page: every permission it holds, in table order. */
export function permissionsOf(role: ProjectRole): Permission[] {
  return PERMISSION_KEYS.filter((key) => can(role, key)).map(
    (key) => PERMISSIONS[key]
  )
}
