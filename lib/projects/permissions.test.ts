import { describe, expect, it } from "vitest"

import {
  assignableRoles,
  can,
  canManageRole,
  PERMISSION_KEYS,
  PERMISSIONS,
  permissionsOf,
  PROJECT_ROLES,
} from "./permissions"

describe("project permissions", () => {
  it("gives each role everything the roles below it have", () => {
    for (const key of PERMISSION_KEYS) {
      const allowed = PROJECT_ROLES.map((role) => can(role, key))
      // Roles are listed highest first: once a role is denied, every lower one is too.
      const firstDenied = allowed.indexOf(false)
      if (firstDenied >= 0) {
        expect(
          allowed.slice(firstDenied).every((value) => !value),
          key
        ).toBe(true)
      }
    }
  })

  it("lets viewers read and leave but not run, invite or manage", () => {
    expect(can("viewer", "viewProject")).toBe(true)
    expect(can("viewer", "leaveProject")).toBe(true)
    expect(can("viewer", "queueRuns")).toBe(false)
    expect(can("viewer", "changeRoles")).toBe(false)
    expect(can("developer", "queueRuns")).toBe(true)
    expect(can("developer", "inviteMembers")).toBe(false)
    expect(can("admin", "inviteMembers")).toBe(true)
    expect(can("admin", "deleteProject")).toBe(false)
    expect(can("owner", "deleteProject")).toBe(true)
  })

  it("refuses everything to a non-member", () => {
    for (const key of PERMISSION_KEYS) {
      expect(can(null, key)).toBe(false)
      expect(can(undefined, key)).toBe(false)
    }
  })

  it("lets admins manage roles up to their own and owners every role", () => {
    expect(assignableRoles("owner")).toEqual(PROJECT_ROLES)
    expect(assignableRoles("admin")).toEqual(["admin", "developer", "viewer"])
    expect(assignableRoles("developer")).toEqual([])
    expect(canManageRole("admin", "owner")).toBe(false)
    expect(canManageRole("viewer", "viewer")).toBe(false)
  })

  it("explains a role with the permissions it holds, in table order", () => {
    expect(permissionsOf("viewer").map((p) => p.label)).toEqual([
      PERMISSIONS.viewProject.label,
      PERMISSIONS.leaveProject.label,
    ])
    expect(permissionsOf("owner")).toHaveLength(PERMISSION_KEYS.length)
  })

  it("has a reason for every denial", () => {
    for (const key of PERMISSION_KEYS) {
      expect(PERMISSIONS[key].deniedReason.length).toBeGreaterThan(10)
    }
  })
})
