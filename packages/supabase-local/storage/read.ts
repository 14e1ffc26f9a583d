// Reading objects: downloads (authenticated, public, signed) with Range and download=, info,
// and the two listings. Every read of a row runs as the caller, so storage.objects' SELECT
// policies decide; an object the caller may not see is "not found", as on hosted Storage.
import { close, createReadStream, read } from "node:fs"
import { type IncomingMessage, type ServerResponse } from "node:http"
import { pipeline } from "node:stream/promises"

import { type Queryable } from "../db/types"
import { asCaller, type Caller } from "./caller"
import { errors, fromDatabaseError } from "./errors"
import { type StorageState } from "./kernel"

export type ObjectRow = {
  id: string
  bucket_id: string
  name: string
  owner: string | null
  owner_id: string | null
  version: string | null
  metadata: Record<string, unknown> | null
  user_metadata: unknown
  created_at: string
  updated_at: string
  last_accessed_at: string
}

const ROW_COLUMNS = `id, bucket_id, name, owner, owner_id, version, metadata, user_metadata,
  created_at, updated_at, last_accessed_at`

export async function findObject(tx: Queryable, bucket: string, key: string): Promise<ObjectRow> {
  const { rows } = await tx.query<ObjectRow>(
    `select ${ROW_COLUMNS} from storage.objects where bucket_id = $1 and name = $2`,
    [bucket, key]
  )
  if (!rows[0]) throw errors.noSuchKey()

  return rows[0]
}

/** The object as the caller sees it (NoSuchKey when RLS hides it). */
export async function findObjectAs(
  state: StorageState,
  caller: Caller,
  bucket: string,
  key: string,
  req?: IncomingMessage
): Promise<ObjectRow> {
  try {
    return await asCaller(state.db, caller, (tx) => findObject(tx, bucket, key), req)
  } catch (error) {
    throw fromDatabaseError(error)
  }
}

/** RFC 9110 single byte ranges ("bytes=0-99", "bytes=100-", "bytes=-50"); undefined: whole. */
export function parseRange(header: string | undefined, size: number) {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === "" && match[2] === "")) return undefined
  let start: number
  let end: number
  if (match[1] === "") {
    const suffix = Number(match[2])
    if (suffix === 0) throw errors.invalidRange()
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(match[1])
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1)
  }
  if (start >= size || start > end) throw errors.invalidRange()

  return { start, end }
}

function contentDisposition(download: string | null, name: string) {
  if (download === null) return undefined
  const filename = download || name.split("/").pop() || "download"
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_")

  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

/** Objects up to this size are sent from one read into one buffer instead of a stream. */
const ONE_READ_BYTES = 4 * 1024 * 1024
const STREAM_CHUNK = 1024 * 1024

/**
 * The row and its open file. A version's bytes never change, but an upsert removes the
 * replaced version's file once it has answered (files.removeLater): a reader that read the
 * row just before finds the file gone, and reads the row again, as if it had come a moment
 * later. Only a row whose file is still gone is "not found".
 */
async function openObject(state: StorageState, lookup: () => Promise<ObjectRow>) {
  let object = await lookup()
  for (let attempt = 0; ; attempt++) {
    const file = object.version
      ? state.files.openForRead(object.bucket_id, object.version)
      : undefined
    if (file) return { object, ...file }
    const again = attempt === 0 && object.version ? await lookup() : undefined
    if (!again || again.version === object.version) throw errors.noSuchKey()
    object = again
  }
}

/**
 * Buffers for one-read downloads, reused once the socket has taken their bytes. A fresh
 * buffer per download is memory outside the JS heap, and a few dozen of them make V8 run a
 * full collection (a pause every client of the stack waits through); a handful of buffers
 * sized by powers of two, kept between downloads, allocate nothing after the first ones.
 */
class SendBuffers {
  private readonly free: Buffer[] = []
  private kept = 0

  constructor(private readonly maxBytes: number) {}

  take(length: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length >= length)
    if (index >= 0) {
      const [buffer] = this.free.splice(index, 1)
      this.kept -= buffer!.length

      return buffer!
    }

    return Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(Math.max(length, 64 * 1024))))
  }

  /** Only for a buffer no write holds any more (the reply's end callback). */
  give(buffer: Buffer) {
    if (this.kept + buffer.length > this.maxBytes) return
    this.kept += buffer.length
    this.free.push(buffer)
  }
}

const sendBuffers = new SendBuffers(4 * ONE_READ_BYTES)

function readAt(fd: number, bytes: Buffer, offset: number, length: number, position: number) {
  return new Promise<number>((resolve, reject) =>
    read(fd, bytes, offset, length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead)
    )
  )
}

/**
 * Sends an object's bytes with the headers hosted Storage sends. `lookup` reads the row (as
 * the caller, or as the platform for signed and public URLs). The file is opened once and
 * its size taken from the open file; an object of a few MB goes out from one read (one trip
 * to the thread pool before the first byte; the file is closed after the reply), a larger one
 * as a stream of 1 MB reads that ends at the last byte wanted.
 */
export async function sendObject(
  state: StorageState,
  req: IncomingMessage,
  res: ServerResponse,
  lookup: () => Promise<ObjectRow>,
  url: URL
) {
  const { object, fd, size } = await openObject(state, lookup)
  let streaming = false
  try {
    const metadata = object.metadata ?? {}
    const etag = typeof metadata.eTag === "string" ? metadata.eTag : undefined
    const headers: Record<string, string | number> = {
      "content-type":
        typeof metadata.mimetype === "string" ? metadata.mimetype : "application/octet-stream",
      "cache-control":
        typeof metadata.cacheControl === "string" ? metadata.cacheControl : "no-cache",
      "accept-ranges": "bytes",
      "last-modified": new Date(
        typeof metadata.lastModified === "string" ? metadata.lastModified : object.updated_at
      ).toUTCString(),
    }
    if (etag) headers.etag = etag
    if (object.version) headers["x-version"] = object.version
    const disposition = contentDisposition(url.searchParams.get("download"), object.name)
    if (disposition) headers["content-disposition"] = disposition
    if (etag && req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers)
      res.end()
      return
    }
    const range = parseRange(
      Array.isArray(req.headers.range) ? req.headers.range[0] : req.headers.range,
      size
    )
    const start = range?.start ?? 0
    const length = range ? range.end - range.start + 1 : size
    if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`
    headers["content-length"] = length
    if (req.method === "HEAD" || length === 0) {
      res.writeHead(range ? 206 : 200, headers)
      res.end()
      return
    }
    if (length <= ONE_READ_BYTES) {
      const buffer = sendBuffers.take(length)
      let done = 0
      while (done < length) {
        const bytesRead = await readAt(fd, buffer, done, length - done, start + done)
        // Versions are never rewritten: a short file is a damaged one, not a changed one.
        if (bytesRead === 0) throw new Error(`object ${object.id}'s file is shorter than ${size}`)
        done += bytesRead
      }
      res.writeHead(range ? 206 : 200, headers)
      // The callback runs once the socket has written every byte (never, if the client
      // went away first: the buffer is then left to the collector, not reused).
      res.end(buffer.subarray(0, length), () => sendBuffers.give(buffer))
      return
    }
    res.writeHead(range ? 206 : 200, headers)
    streaming = true
    // The stream closes the file when it ends or fails.
    const stream = createReadStream("", {
      fd,
      start,
      end: start + length - 1,
      highWaterMark: STREAM_CHUNK,
    })
    await pipeline(stream, res).catch(() => {
      // The client went away mid-download; nothing to answer.
      res.destroy()
    })
  } finally {
    // After the reply: closing is no part of the answer.
    if (!streaming) close(fd, () => undefined)
  }
}

/** The info route's body: hosted's ObjectMetadata reply, snake_case (storage-js camelises). */
export function infoOf(object: ObjectRow) {
  const metadata = object.metadata ?? {}

  return {
    id: object.id,
    version: object.version,
    name: object.name,
    bucket_id: object.bucket_id,
    size: metadata.size ?? null,
    content_type: metadata.mimetype ?? null,
    cache_control: metadata.cacheControl ?? null,
    etag: metadata.eTag ?? null,
    metadata: object.user_metadata ?? null,
    last_modified: metadata.lastModified ?? object.updated_at,
    created_at: object.created_at,
  }
}

type SortBy = { column?: unknown; order?: unknown }

function intOf(value: unknown, fallback: number, max: number) {
  const number = typeof value === "number" ? value : Number(value)
  if (!Number.isFinite(number) || number < 0) return fallback

  return Math.min(Math.floor(number), max)
}

/** POST /object/list/{bucket}: one folder level through storage.search, as the caller. */
export async function listObjects(
  state: StorageState,
  caller: Caller,
  bucket: string,
  body: Record<string, unknown>,
  req: IncomingMessage
) {
  let prefix = typeof body.prefix === "string" ? body.prefix : ""
  if (prefix.length > 0 && !prefix.endsWith("/")) prefix = `${prefix}/`
  const levels = prefix.split("/").length
  const sortBy = (body.sortBy ?? {}) as SortBy
  try {
    return await asCaller(
      state.db,
      caller,
      async (tx) =>
        (
          await tx.query("select * from storage.search($1, $2, $3, $4, $5, $6, $7, $8)", [
            prefix,
            bucket,
            intOf(body.limit, 100, 10000),
            levels,
            intOf(body.offset, 0, Number.MAX_SAFE_INTEGER),
            typeof body.search === "string" ? body.search : "",
            typeof sortBy.column === "string" ? sortBy.column : "name",
            typeof sortBy.order === "string" ? sortBy.order : "asc",
          ])
        ).rows,
      req
    )
  } catch (error) {
    throw fromDatabaseError(error)
  }
}

function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}

/**
 * POST /object/list-v2/{bucket}: keys in byte order after a cursor (the last key or folder
 * returned), folders grouped at the prefix's level when with_delimiter is set. The cursor is
 * opaque to clients (base64 of the last entry), as hosted's is.
 */
export async function listObjectsV2(
  state: StorageState,
  caller: Caller,
  bucket: string,
  body: Record<string, unknown>,
  req: IncomingMessage
) {
  const prefix = typeof body.prefix === "string" ? body.prefix : ""
  const limit = Math.max(1, intOf(body.limit, 1000, 1000))
  const delimiter = body.with_delimiter === true
  const sortBy = (body.sortBy ?? {}) as SortBy
  const descending = sortBy.order === "desc"
  let cursor: string | null = null
  if (typeof body.cursor === "string" && body.cursor !== "") {
    cursor = Buffer.from(body.cursor, "base64url").toString("utf8")
  }
  // After a folder "a/b/", every key under it is skipped: "/" + 1 is "0" in byte order.
  const after = cursor?.endsWith("/") && !descending ? `${cursor.slice(0, -1)}0` : cursor
  const entry = delimiter
    ? `case when strpos(substr(o.name, char_length($2) + 1), '/') > 0
         then $2 || split_part(substr(o.name, char_length($2) + 1), '/', 1) || '/'
         else o.name end`
    : "o.name || left($2::text, 0)"
  const comparison = descending ? "<" : ">"
  const order = descending ? "desc" : "asc"
  const sql = `
    with entries as (
      select ${entry} as entry, o.id, o.name, o.version, o.metadata, o.created_at,
             o.updated_at, o.last_accessed_at
        from storage.objects o
       where o.bucket_id = $1
         and o.name like $3 escape '\\'
         and ($4::text is null or o.name collate "C" ${comparison} $4::text collate "C")
    )
    select entry, bool_or(entry <> name) as is_folder,
           (array_agg(id) filter (where entry = name))[1] as id,
           (array_agg(version) filter (where entry = name))[1] as version,
           (array_agg(metadata) filter (where entry = name))[1] as metadata,
           min(created_at) as created_at, max(updated_at) as updated_at,
           max(last_accessed_at) as last_accessed_at
      from entries
     group by entry
     order by entry collate "C" ${order}
     limit $5`
  type Entry = {
    entry: string
    is_folder: boolean
    id: string | null
    version: string | null
    metadata: unknown
    created_at: string
    updated_at: string
    last_accessed_at: string
  }
  let rows: Entry[]
  try {
    rows = await asCaller(
      state.db,
      caller,
      async (tx) =>
        (
          await tx.query<Entry>(sql, [
            bucket,
            prefix,
            `${escapeLike(prefix)}%`,
            descending && cursor?.endsWith("/") ? cursor : after,
            limit + 1,
          ])
        ).rows,
      req
    )
  } catch (error) {
    throw fromDatabaseError(error)
  }
  const hasNext = rows.length > limit
  const page = rows.slice(0, limit)
  const last = page.at(-1)

  return {
    hasNext,
    folders: page
      .filter((row) => row.is_folder)
      .map((row) => ({ name: row.entry, key: row.entry })),
    objects: page
      .filter((row) => !row.is_folder)
      .map((row) => ({
        id: row.id,
        key: row.entry,
        name: row.entry,
        version: row.version,
        metadata: row.metadata,
        created_at: row.created_at,
        updated_at: row.updated_at,
        last_accessed_at: row.last_accessed_at,
      })),
    ...(hasNext && last ? { nextCursor: Buffer.from(last.entry).toString("base64url") } : {}),
  }
}
