import { createHash } from "node:crypto"

// Cloud ids of synced sessions and messages, derived from the chat app's own ids: UUID v5 in a
// namespace of the account's own, so a re-sync of the same file lands on the same rows, two
// machines of one account syncing the same export do not duplicate it, and one account's
// client ids can never name another account's rows.

const namespaceBytes = new Map<string, Buffer>()

/**
 * RFC 9562's UUID version 5 (SHA-1 of the namespace's 16 bytes and the name's UTF-8), the same
 * ids as the `uuid` package's v5 (sync-ids.test.ts compares them), with the namespace parsed
 * once and Node's SHA-1: a 10,000-message push derives about 20,000 ids, and through the
 * package 15,000 of them took about a second of the route's time (bench:sessions:sync's
 * profile); this takes a few tens of milliseconds.
 */
export function uuidv5(name: string, namespace: string): string {
  let bytes = namespaceBytes.get(namespace)
  if (!bytes) {
    bytes = Buffer.from(namespace.replaceAll("-", ""), "hex")
    if (bytes.length !== 16) throw new Error(`not a UUID: ${namespace}`)
    // Few namespaces (the root and one per account seen by this process).
    if (namespaceBytes.size > 10_000) namespaceBytes.clear()
    namespaceBytes.set(namespace, bytes)
  }
  const hash = createHash("sha1").update(bytes).update(name, "utf8").digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.toString("hex", 0, 16)

  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

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
