import { type DeviceCapabilitiesView } from "./queries"

// The sync line of a device card: when the device last pushed (the newest last_modified_at of
// its sessions) and what its agent last said about its sync in a heartbeat.

export type DeviceSyncState =
  | { kind: "never" }
  | { kind: "synced"; lastSyncedAt: string | null }
  | { kind: "pending"; pending: number; lastSyncedAt: string | null }
  | {
      kind: "error"
      error: string
      pending: number
      lastSyncedAt: string | null
    }

export function deriveSyncState(
  capabilities: Pick<DeviceCapabilitiesView, "sync_status">,
  lastSyncedAt: string | null
): DeviceSyncState {
  const report = capabilities.sync_status
  if (report?.last_error) {
    return {
      kind: "error",
      error: report.last_error,
      pending: report.pending,
      lastSyncedAt,
    }
  }
  if (report && report.pending > 0) {
    return { kind: "pending", pending: report.pending, lastSyncedAt }
  }
  if (!report && !lastSyncedAt) return { kind: "never" }

  return { kind: "synced", lastSyncedAt }
}
