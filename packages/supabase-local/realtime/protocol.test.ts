import { describe, expect, it } from "vitest"

import {
  decodeBinary,
  decodeText,
  encodeMessage,
  encodeUserBroadcast,
  ProtocolError,
} from "./protocol"

function userBroadcastPush(fields: {
  joinRef: string
  ref: string
  topic: string
  event: string
  meta?: string
  encoding: 0 | 1
  payload: Buffer
}) {
  const parts = [fields.joinRef, fields.ref, fields.topic, fields.event, fields.meta ?? ""].map(
    (part) => Buffer.from(part, "utf8")
  )
  const header = Buffer.from([3, ...parts.map((part) => part.length), fields.encoding])

  return Buffer.concat([header, ...parts, fields.payload])
}

describe("Phoenix frames", () => {
  it("decodes vsn 2.0.0 arrays and vsn 1.0.0 objects", () => {
    expect(decodeText("2.0.0", '["1","2","realtime:a","phx_join",{"x":1}]')).toEqual({
      joinRef: "1",
      ref: "2",
      topic: "realtime:a",
      event: "phx_join",
      payload: { x: 1 },
    })
    expect(
      decodeText("1.0.0", '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"7"}')
    ).toEqual({
      joinRef: null,
      ref: "7",
      topic: "phoenix",
      event: "heartbeat",
      payload: {},
    })
  })

  it("refuses frames that are not the protocol", () => {
    expect(() => decodeText("2.0.0", "nope")).toThrow(ProtocolError)
    expect(() => decodeText("2.0.0", '{"topic":"a","event":"b"}')).toThrow(ProtocolError)
    expect(() => decodeText("2.0.0", '[null,null,1,"b",{}]')).toThrow(ProtocolError)
    expect(() => decodeText("1.0.0", "[1,2,3,4,5]")).toThrow(ProtocolError)
    expect(() => decodeBinary(Buffer.from([9, 0, 0]))).toThrow(ProtocolError)
    expect(() => decodeBinary(Buffer.from([3, 200, 0, 0, 0, 0, 1]))).toThrow(/truncated/)
  })

  it("decodes the client's binary user broadcast, multi-byte text included", () => {
    const frame = userBroadcastPush({
      joinRef: "3",
      ref: "4",
      topic: "realtime:salle-é",
      event: "curseur 👋",
      meta: '{"persist":true}',
      encoding: 1,
      payload: Buffer.from('{"x":1}'),
    })
    const message = decodeBinary(frame)
    expect(message).toMatchObject({
      joinRef: "3",
      ref: "4",
      topic: "realtime:salle-é",
      event: "broadcast",
    })
    expect(message.userBroadcast?.event).toBe("curseur 👋")
    expect(message.userBroadcast?.encoding).toBe("json")
    expect(message.userBroadcast?.data.toString()).toBe('{"x":1}')
  })

  it("encodes the server's binary broadcast as realtime-js reads it", () => {
    const frame = encodeUserBroadcast("realtime:a", {
      event: "e",
      encoding: "binary",
      data: Buffer.from([1, 2, 3]),
    })!
    expect([...frame]).toEqual([
      4,
      10,
      1,
      0,
      0,
      ...Buffer.from("realtime:a"),
      ...Buffer.from("e"),
      1,
      2,
      3,
    ])
    expect(
      encodeUserBroadcast("x".repeat(256), {
        event: "e",
        encoding: "json",
        data: Buffer.from("{}"),
      })
    ).toBeNull()
  })

  it("encodes replies in each version's shape", () => {
    const message = {
      joinRef: "1",
      ref: "2",
      topic: "realtime:a",
      event: "phx_reply",
    }
    expect(JSON.parse(encodeMessage("2.0.0", message, '{"status":"ok"}'))).toEqual([
      "1",
      "2",
      "realtime:a",
      "phx_reply",
      { status: "ok" },
    ])
    expect(JSON.parse(encodeMessage("1.0.0", message, '{"status":"ok"}'))).toEqual({
      topic: "realtime:a",
      event: "phx_reply",
      payload: { status: "ok" },
      ref: "2",
      join_ref: "1",
    })
  })
})
