import { v5 as uuidv5 } from "uuid"

// Cloud ids of synced sessions and messages, derived from the chat app's own ids: UUID v5 in a
// namespace of the account's own, so a re-sync of the same file lands on the same rows, two
// machines of one account syncing the same export do not duplicate it, and one account's
// client ids can never name another account's rows.

/** The root all account namespaces derive from (a fixed, random UUID; never change it). */
export const SYNC_ROOT_NAMESPACE = "6f1d3c1e-8a57-4c41-9d0b-6a0f3d2b9e54"

export function accountNamespace(userId: string): string {
  return uuidv5(userId.toLowerCase(), SYNC_ROOT_NAMESPACE)
}

export function sessionCloudId(namespace: string, clientId: string): string {
  return uuidv5(`session\n${clientId}`, namespace)
}

/** Message ids are scoped to their session: apps number messages per conversation. */
export function messageCloudId(
  namespace: string,
  sessionId: string,
  clientId: string
): string {
  return uuidv5(`message\n${sessionId.toLowerCase()}\n${clientId}`, namespace)
}
