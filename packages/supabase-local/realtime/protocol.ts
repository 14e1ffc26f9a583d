/**
 * Phoenix channel frames as @supabase/realtime-js speaks them. vsn 1.0.0 sends JSON objects;
 * vsn 2.0.0 sends JSON arrays [join_ref, ref, topic, event, payload] plus binary frames for
 * user broadcasts (kind 3 from the client, kind 4 to the client).
 */
export type Vsn = "1.0.0" | "2.0.0"

export const SUPPORTED_VSN: readonly Vsn[] = ["1.0.0", "2.0.0"]

/** A broadcast as the sender wrote it: JSON text, or the binary user-broadcast frame. */
export type UserBroadcast = {
  event: string
  encoding: "json" | "binary"
  /** The user payload's bytes exactly as sent (JSON text for "json"). */
  data: Buffer
}

export type InboundMessage = {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: unknown
  /** Set for binary broadcast frames; payload is then undefined. */
  userBroadcast?: UserBroadcast
}

export class ProtocolError extends Error {}

const KIND_USER_BROADCAST_PUSH = 3
const KIND_USER_BROADCAST = 4

function optionalString(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === "string") return value
  if (typeof value === "number") return String(value)
  throw new ProtocolError("refs must be strings")
}

export function decodeText(vsn: Vsn, text: string): InboundMessage {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ProtocolError("frame is not valid JSON")
  }
  if (vsn === "2.0.0") {
    if (!Array.isArray(parsed) || parsed.length < 5) {
      throw new ProtocolError("expected a V2 array [join_ref, ref, topic, event, payload]")
    }
    const [joinRef, ref, topic, event, payload] = parsed as unknown[]
    if (typeof topic !== "string" || typeof event !== "string") {
      throw new ProtocolError("topic and event must be strings")
    }

    return {
      joinRef: optionalString(joinRef),
      ref: optionalString(ref),
      topic,
      event,
      payload,
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError("expected a V1 object {topic, event, payload, ref}")
  }
  const message = parsed as Record<string, unknown>
  if (typeof message.topic !== "string" || typeof message.event !== "string") {
    throw new ProtocolError("topic and event must be strings")
  }

  return {
    joinRef: optionalString(message.join_ref),
    ref: optionalString(message.ref),
    topic: message.topic,
    event: message.event,
    payload: message.payload,
  }
}

export function decodeBinary(data: Buffer): InboundMessage {
  if (data.length < 7 || data[0] !== KIND_USER_BROADCAST_PUSH) {
    throw new ProtocolError("unsupported binary frame")
  }
  const sizes = [data[1]!, data[2]!, data[3]!, data[4]!, data[5]!]
  const encoding = data[6] === 0 ? "binary" : "json"
  let offset = 7
  const fields: string[] = []
  for (const size of sizes) {
    if (offset + size > data.length) throw new ProtocolError("truncated binary frame")
    fields.push(data.subarray(offset, offset + size).toString("utf8"))
    offset += size
  }
  const [joinRef, ref, topic, event] = fields as [string, string, string, string, string]

  return {
    joinRef: joinRef || null,
    ref: ref || null,
    topic,
    event: "broadcast",
    payload: undefined,
    userBroadcast: {
      event,
      encoding,
      data: Buffer.from(data.subarray(offset)),
    },
  }
}

export function encodeMessage(
  vsn: Vsn,
  message: {
    joinRef: string | null
    ref: string | null
    topic: string
    event: string
  },
  payloadJson: string
): string {
  if (vsn === "2.0.0") {
    return `[${JSON.stringify(message.joinRef)},${JSON.stringify(message.ref)},${JSON.stringify(
      message.topic
    )},${JSON.stringify(message.event)},${payloadJson}]`
  }

  return `{"topic":${JSON.stringify(message.topic)},"event":${JSON.stringify(
    message.event
  )},"payload":${payloadJson},"ref":${JSON.stringify(message.ref)},"join_ref":${JSON.stringify(
    message.joinRef
  )}}`
}

/** The kind-4 frame realtime-js decodes into {type: "broadcast", event, payload}. */
export function encodeUserBroadcast(topic: string, broadcast: UserBroadcast): Buffer | null {
  const topicBytes = Buffer.from(topic, "utf8")
  const eventBytes = Buffer.from(broadcast.event, "utf8")
  if (topicBytes.length > 255 || eventBytes.length > 255) return null
  const header = Buffer.from([
    KIND_USER_BROADCAST,
    topicBytes.length,
    eventBytes.length,
    0,
    broadcast.encoding === "json" ? 1 : 0,
  ])

  return Buffer.concat([header, topicBytes, eventBytes, broadcast.data])
}
