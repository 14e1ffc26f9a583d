import { describe, expect, it } from "vitest"

import { dbId } from "./db-id"

describe("dbId", () => {
  it("accepts the seed's md5-derived ids, which are not RFC 9562 uuids", () => {
    // md5('lmx-seed-session-1')::uuid: version nibble and variant bits are whatever md5 gave.
    expect(dbId.safeParse("4a2a8d0c-95a2-d3e7-0c4e-5f1b4c3f6e21").success).toBe(
      true
    )
  })

  it("accepts UUID v1, v4 and v7 as Postgres prints them", () => {
    for (const id of [
      "c232ab00-9414-11ec-b3c8-9f6bdeced846",
      "00000000-0000-4000-b000-000000000001",
      "01890a5d-ac96-774b-bcce-b302099a8057",
    ]) {
      expect(dbId.safeParse(id).success).toBe(true)
    }
  })

  it("rejects what is not a uuid", () => {
    for (const id of [
      "",
      "not-a-uuid",
      "4a2a8d0c95a2d3e70c4e5f1b4c3f6e21",
      "4a2a8d0c-95a2-d3e7-0c4e-5f1b4c3f6e2",
      "4a2a8d0c-95a2-d3e7-0c4e-5f1b4c3f6e21; drop table devices",
    ]) {
      expect(dbId.safeParse(id).success).toBe(false)
    }
  })
})
