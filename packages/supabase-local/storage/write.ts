// Writing objects: an upload streams to a temporary file (the bucket's size and MIME rules
// applied while it streams), is fsynced and renamed into the bucket, and only then is the row
// in storage.objects written as the caller, so RLS decides and a crash leaves no object.
// Mirrors hosted Storage's uploader (src/storage/uploader.ts): the bucket is read as the
// superuser, permission is tested with the same insert before any byte is stored, and the
// row is written again as the caller once the bytes are safe.
import { randomUUID } from "node:crypto"
import { type IncomingMessage } from "node:http"

import { type Queryable } from "../db/types"
import { becomeCaller, ownerOf, type Caller } from "./caller"
import { errors, fromDatabaseError, StorageApiError } from "./errors"
import { type ObjectWriter } from "./files"
import { checkMimeType, effectiveLimit, findBucket, type Bucket, type StorageState } from "./kernel"
import { boundaryOf, readMultipart } from "./multipart"

export type ObjectTarget = {
  bucket: string
  key: string
  caller: Caller
  upsert: boolean
  /** The owner to record (the caller's sub unless a signed upload URL names one). */
  owner: string | null
}

export type ReceivedBody = {
  writer: ObjectWriter
  contentType: string
  cacheControl: string
  userMetadata: unknown
}

class Rollback extends Error {}

const INSERT_SQL = `
  insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version)
  values ($1, $2, $3, $4::uuid, $5, $6::jsonb, $7::jsonb, $8)`
const UPSERT_SQL = `${INSERT_SQL}
  on conflict (bucket_id, name) do update set
    owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata,
    user_metadata = excluded.user_metadata, version = excluded.version,
    last_accessed_at = now()`

function rowParams(
  id: string,
  target: ObjectTarget,
  metadata: Record<string, unknown>,
  userMetadata: unknown,
  version: string
) {
  return [
    id,
    target.bucket,
    target.key,
    target.owner,
    target.owner,
    JSON.stringify(metadata),
    userMetadata === undefined ? null : JSON.stringify(userMetadata),
    version,
  ]
}

/** Serialises writers of one name, across connections (concurrent upserts of one path). */
export async function lockName(tx: Queryable, bucket: string, key: string) {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7))", [`${bucket}/${key}`])
}

/**
 * Hosted's canUpload: the insert (or upsert) the upload will make, tried as the caller and
 * rolled back, so that a refused upload stores no byte.
 */
export async function checkCanWrite(
  state: StorageState,
  target: ObjectTarget,
  req?: IncomingMessage
) {
  try {
    await state.db.transaction(async (tx) => {
      await becomeCaller(tx, target.caller, req)
      await tx.query(
        target.upsert ? UPSERT_SQL : INSERT_SQL,
        rowParams(randomUUID(), target, {}, undefined, randomUUID())
      )
      throw new Rollback()
    })
  } catch (error) {
    if (error instanceof Rollback) return
    throw fromDatabaseError(error)
  }
}

/** Reads everything left of a request without keeping it, so the answer reaches the client. */
export async function drain(req: IncomingMessage) {
  if (req.readableEnded) return
  req.resume()
  await new Promise<void>((resolve) => {
    req.once("end", resolve)
    req.once("close", resolve)
    req.once("error", () => resolve())
  })
}

function cacheControlOf(value: string | undefined) {
  if (!value) return "no-cache"
  if (/^\d+$/.test(value.trim())) return `max-age=${value.trim()}`

  return value
}

function parseUserMetadata(text: string | undefined, base64: boolean): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(base64 ? Buffer.from(text, "base64").toString("utf8") : text)
  } catch {
    throw errors.invalidRequest("Invalid metadata")
  }
}

/**
 * Streams the upload's file (a raw body, or the file part of a multipart body) to a
 * temporary file. Too large: the rest is read and dropped, nothing stays on disk, 413.
 */
export async function receiveBody(
  state: StorageState,
  req: IncomingMessage,
  bucket: Bucket
): Promise<ReceivedBody> {
  const limit = effectiveLimit(state, bucket)
  const declared = Number(req.headers["content-length"])
  const headerType = req.headers["content-type"] ?? ""
  const boundary = headerType.toLowerCase().startsWith("multipart/form-data")
    ? boundaryOf(headerType)
    : undefined
  let writer: ObjectWriter | undefined
  try {
    if (boundary) {
      const fields: Record<string, string> = {}
      let contentType = "application/octet-stream"
      const sawFile = await readMultipart(req, boundary, fields, async (part) => {
        contentType = part.contentType || "application/octet-stream"
        checkMimeType(contentType, bucket.allowed_mime_types)
        writer = await state.files.create(limit)
        const sink = writer

        return (chunk) => sink.write(chunk)
      })
      if (!sawFile || !writer) throw errors.invalidRequest("No file was sent in the form")

      return {
        writer,
        contentType,
        cacheControl: cacheControlOf(fields.cacheControl),
        userMetadata: parseUserMetadata(fields.metadata, false),
      }
    }
    const contentType = headerType || "application/octet-stream"
    checkMimeType(contentType, bucket.allowed_mime_types)
    if (Number.isFinite(declared) && declared > limit) throw errors.entityTooLarge()
    const cacheControl = cacheControlOf(
      Array.isArray(req.headers["cache-control"])
        ? req.headers["cache-control"][0]
        : req.headers["cache-control"]
    )
    const metadataHeader = req.headers["x-metadata"]
    const userMetadata = parseUserMetadata(
      Array.isArray(metadataHeader) ? metadataHeader[0] : metadataHeader,
      true
    )
    writer = await state.files.create(limit)
    for await (const chunk of req) await writer.write(chunk as Buffer)

    return { writer, contentType, cacheControl, userMetadata }
  } catch (error) {
    await writer?.abort()
    if (error instanceof StorageApiError) await drain(req)
    throw error
  }
}

export type StoredObject = { id: string; key: string; version: string }

/**
 * Finishes a received body: fsync, rename into the bucket, then the row as the caller. On
 * any failure the new bytes are removed; after an upsert the replaced version's bytes go once
 * the reply is out.
 */
export async function storeObject(
  state: StorageState,
  target: ObjectTarget,
  body: ReceivedBody,
  req?: IncomingMessage
): Promise<StoredObject> {
  let etag: string
  try {
    etag = await body.writer.finish()
  } catch (error) {
    await body.writer.abort()
    throw error
  }
  const version = randomUUID()
  await state.files.commit(body.writer, target.bucket, version)
  const metadata = {
    eTag: etag,
    size: body.writer.size,
    mimetype: body.contentType,
    cacheControl: body.cacheControl,
    lastModified: new Date().toISOString(),
    contentLength: body.writer.size,
    httpStatusCode: 200,
  }

  return commitRow(state, target, version, metadata, body.userMetadata, req)
}

/** Writes the row for bytes already in place as `version`; removes them if it fails. */
export async function commitRow(
  state: StorageState,
  target: ObjectTarget,
  version: string,
  metadata: Record<string, unknown>,
  userMetadata: unknown,
  req?: IncomingMessage
): Promise<StoredObject> {
  let replaced: string | null = null
  let id: string = randomUUID()
  try {
    await state.db.transaction(async (tx) => {
      await lockName(tx, target.bucket, target.key)
      const existing = await tx.query<{ id: string; version: string | null }>(
        "select id, version from storage.objects where bucket_id = $1 and name = $2",
        [target.bucket, target.key]
      )
      if (existing.rows[0] && !target.upsert) throw errors.alreadyExists()
      if (existing.rows[0]) {
        id = existing.rows[0].id
        replaced = existing.rows[0].version
      }
      await becomeCaller(tx, target.caller, req)
      await tx.query(
        target.upsert ? UPSERT_SQL : INSERT_SQL,
        rowParams(id, target, metadata, userMetadata, version)
      )
    })
  } catch (error) {
    await state.files.remove(target.bucket, version)
    throw fromDatabaseError(error)
  }
  // The replaced version's bytes go after the reply, never before it (files.removeLater).
  state.files.removeLater(target.bucket, replaced)

  return { id, key: `${target.bucket}/${target.key}`, version }
}

/** Bodies up to this size skip the permission check before the bytes (uploadObject). */
const SMALL_BODY_BYTES = 256 * 1024

function isSmallBody(req: IncomingMessage) {
  const declared = Number(req.headers["content-length"])

  return Number.isFinite(declared) && declared <= SMALL_BODY_BYTES
}

/** An upload through POST/PUT /object/{bucket}/{key}: bucket, permission, bytes, row. */
export async function uploadObject(
  state: StorageState,
  req: IncomingMessage,
  target: Omit<ObjectTarget, "owner"> & { owner?: string | null },
  { checkPermission = true }: { checkPermission?: boolean } = {}
): Promise<StoredObject> {
  const full: ObjectTarget = { ...target, owner: target.owner ?? ownerOf(target.caller) }
  let bucket: Bucket
  let precheck = false
  try {
    bucket = await findBucket(state.db, full.bucket)
    // Hosted checks first so that a refused upload never stores its bytes. A small body costs
    // less to write and remove than the check's own transaction, so it goes straight to the
    // row's insert, which RLS judges the same way (a refusal removes the bytes, answers 403).
    precheck = checkPermission && !isSmallBody(req)
    if (precheck) await checkCanWrite(state, full, req)
  } catch (error) {
    await drain(req)
    throw error
  }
  const body = await receiveBody(state, req, bucket)
  try {
    return await storeObject(state, full, body, req)
  } catch (error) {
    // The name exists: say so only to a caller who may write it (403 otherwise, as the check
    // before the bytes would have answered), so a refused caller learns nothing of the name.
    if (!precheck && checkPermission && error instanceof StorageApiError && error.status === 409)
      await checkCanWrite(state, full, req)
    throw error
  }
}
