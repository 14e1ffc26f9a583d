import fc from "fast-check"
import { describe, expect, it } from "vitest"

import { decodeSessionCursor, encodeSessionCursor } from "./cursor"

const CURSOR = {
  pinned: false,
  at: "2026-12-03T10:15:30.123456+00:00",
  id: "9f1c0a7e-3b1d-7c2e-8a4f-0123456789ab",
}

describe("session cursor", () => {
  it("round-trips, keeping the database's microseconds", () => {
    const token = encodeSessionCursor(CURSOR)
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeSessionCursor(token)).toEqual(CURSOR)
    expect(
      decodeSessionCursor(encodeSessionCursor({ ...CURSOR, pinned: true }))
    ).toEqual({ ...CURSOR, pinned: true })
  })

  it("round-trips any cursor", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.date({
          min: new Date("1970-01-01"),
          max: new Date("9999-12-31"),
          noInvalidDate: true,
        }),
        fc.uuid(),
        (pinned, date, id) => {
          const cursor = { pinned, at: date.toISOString(), id }
          expect(decodeSessionCursor(encodeSessionCursor(cursor))).toEqual(
            cursor
          )
        }
      )
    )
  })

  it("refuses anything it did not write", () => {
    const json = (value: unknown) =>
      btoa(JSON.stringify(value)).replaceAll("=", "")
    for (const token of [
      null,
      undefined,
      "",
      "not base64 at all!",
      "e30",
      json([0, CURSOR.at]),
      json([2, CURSOR.at, CURSOR.id]),
      json([0, "yesterday", CURSOR.id]),
      json([0, CURSOR.at, "1; drop table cloud_sessions"]),
      json({ pinned: false, at: CURSOR.at, id: CURSOR.id }),
      "x".repeat(1000),
    ]) {
      expect(decodeSessionCursor(token), String(token)).toBeNull()
    }
  })
})
