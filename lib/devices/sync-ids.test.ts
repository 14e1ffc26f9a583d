import { v5 as packageV5 } from "uuid"
import { describe, expect, it } from "vitest"

import {
  accountNamespace,
  messageCloudId,
  sessionCloudId,
  SYNC_ROOT_NAMESPACE,
  uuidv5,
} from "./sync-ids"

// The cloud ids must never change: devices and the console derive the same rows from them.
// They are UUID v5 exactly as the `uuid` package computes it.
const DNS_NAMESPACE = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

describe("cloud ids", () => {
  it("are the uuid package's v5, for every kind of name", () => {
    const user = "00000000-0000-4000-A000-000000000001"
    const namespace = accountNamespace(user)
    expect(namespace).toBe(packageV5(user.toLowerCase(), SYNC_ROOT_NAMESPACE))
    for (const clientId of [
      "chat",
      "",
      "1700000000000.json",
      "ünïcødé 💬 chat",
      "x".repeat(200),
      "line\nbreak",
    ]) {
      const session = sessionCloudId(namespace, clientId)
      expect(session).toBe(packageV5(`session\n${clientId}`, namespace))
      expect(messageCloudId(namespace, session, clientId)).toBe(
        packageV5(`message\n${session}\n${clientId}`, namespace)
      )
    }
  })

  it("match the published v5 example and are stable", () => {
    // The uuid package's documented example: "www.example.com" in the DNS namespace.
    expect(uuidv5("www.example.com", DNS_NAMESPACE)).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2"
    )
    expect(uuidv5("www.example.com", DNS_NAMESPACE.toUpperCase())).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2"
    )
    expect(accountNamespace("00000000-0000-4000-a000-000000000001")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    )
  })
})
