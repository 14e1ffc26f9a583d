// A streaming multipart/form-data reader for uploads: storage-js sends a Blob or FormData
// upload as form fields (cacheControl, metadata, contentEncoding) followed by the file part.
// The file part is handed over chunk by chunk, so a body is never held in memory and a size
// limit stops it as it streams. Fields are small and kept.
import { errors } from "./errors"

export type FilePart = { name: string; filename?: string; contentType?: string }

const FIELD_LIMIT = 64 * 1024
const HEADER_LIMIT = 16 * 1024

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)

  return match?.[1] ?? match?.[2]
}

function parseHeaders(block: string) {
  const headers: Record<string, string> = {}
  for (const line of block.split("\r\n")) {
    const at = line.indexOf(":")
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
  }
  const disposition = headers["content-disposition"] ?? ""
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? ""
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1]

  return { name, filename, contentType: headers["content-type"] }
}

/**
 * Reads the body; fields go to `fields`, the first part with a filename (or no name, as
 * storage-js names a bare Blob) to `onFile`, which returns the sink for its chunks.
 */
export async function readMultipart(
  body: AsyncIterable<Buffer>,
  boundary: string,
  fields: Record<string, string>,
  onFile: (part: FilePart) => Promise<(chunk: Buffer) => Promise<void>>
): Promise<boolean> {
  const opening = Buffer.from(`--${boundary}`)
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  let buffer: Buffer = Buffer.alloc(0)
  let done = false
  let sawFile = false
  const iterator = body[Symbol.asyncIterator]()
  const fill = async () => {
    if (done) return false
    const next = await iterator.next()
    if (next.done) {
      done = true
      return false
    }
    buffer = buffer.length ? Buffer.concat([buffer, next.value]) : next.value

    return true
  }
  const malformed = () => errors.invalidRequest("Malformed multipart body")

  // The preamble up to the first boundary line.
  for (;;) {
    const at = buffer.indexOf(opening)
    if (at >= 0) {
      buffer = buffer.subarray(at + opening.length)
      break
    }
    if (buffer.length > HEADER_LIMIT || !(await fill())) throw malformed()
  }
  for (;;) {
    while (buffer.length < 2) if (!(await fill())) throw malformed()
    if (buffer[0] === 0x2d && buffer[1] === 0x2d) break // "--": the closing boundary
    // Headers of the next part, after the CRLF that ends the boundary line.
    let end: number
    while ((end = buffer.indexOf("\r\n\r\n")) < 0) {
      if (buffer.length > HEADER_LIMIT || !(await fill())) throw malformed()
    }
    const part = parseHeaders(buffer.subarray(0, end).toString("utf8"))
    buffer = buffer.subarray(end + 4)
    const isFile = !sawFile && (part.filename !== undefined || part.name === "")
    const sink = isFile ? await onFile(part) : undefined
    if (isFile) sawFile = true
    const field: Buffer[] = []
    let fieldSize = 0
    const emit = async (chunk: Buffer) => {
      if (!chunk.length) return
      if (sink) return sink(chunk)
      fieldSize += chunk.length
      if (fieldSize > FIELD_LIMIT) throw errors.invalidRequest("A form field is too large")
      field.push(Buffer.from(chunk))
    }
    for (;;) {
      const at = buffer.indexOf(delimiter)
      if (at >= 0) {
        await emit(buffer.subarray(0, at))
        buffer = buffer.subarray(at + delimiter.length)
        break
      }
      // Keep a tail that may hold the start of the delimiter.
      const keep = Math.min(buffer.length, delimiter.length - 1)
      await emit(buffer.subarray(0, buffer.length - keep))
      buffer = buffer.subarray(buffer.length - keep)
      if (!(await fill())) throw malformed()
    }
    if (!sink) fields[part.name] = Buffer.concat(field).toString("utf8")
  }

  return sawFile
}
