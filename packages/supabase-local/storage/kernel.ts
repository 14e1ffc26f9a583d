// What the Storage routes share: the service's state, reading paths and JSON bodies, sizes and
// MIME rules as hosted Storage applies them (src/storage/limits.ts, src/storage/uploader.ts).
import { type IncomingMessage, type ServerResponse } from "node:http"

import { type StackConfig } from "../config"
import { type Database, type Queryable } from "../db/types"
import { BodyTooLargeError, readBody, sendJson } from "../http"
import { type StackKeys } from "../keys"
import { type Caller } from "./caller"
import { errors, type StorageApiError } from "./errors"
import { type ObjectFiles } from "./files"

export type StorageState = {
  db: Database
  keys: StackKeys
  config: StackConfig
  files: ObjectFiles
  /** The caller a token stands for (requestToken(req) for a request). */
  callerOf(token: string | undefined): Promise<Caller>
  /** A token's claims, verified once and kept until it expires (caller.ts). */
  verifyToken(token: string): Promise<Record<string, unknown>>
  /** [storage] file_size_limit in bytes: no upload is larger, whatever its bucket says. */
  globalLimit: number
  log(line: string): void
}

export type Bucket = {
  id: string
  name: string
  owner: string | null
  public: boolean
  file_size_limit: number | null
  allowed_mime_types: string[] | null
  created_at: string
  updated_at: string
}

// Hosted's VALID_OBJECT_KEY and VALID_BUCKET_NAME (S3-safe characters only).
const VALID_OBJECT_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/
const VALID_BUCKET_NAME = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]*$/
/** S3's limit on a key, in bytes; hosted's database takes longer ones, S3 does not. */
const MAX_KEY_BYTES = 1024

export function checkKey(key: string): string {
  if (key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES || !VALID_OBJECT_KEY.test(key)) {
    throw errors.invalidKey(key)
  }

  return key
}

export function checkBucketName(name: unknown): string {
  if (
    typeof name !== "string" ||
    name.length === 0 ||
    name.length > 100 ||
    !VALID_BUCKET_NAME.test(name)
  ) {
    throw errors.invalidBucketName()
  }

  return name
}

/** Splits "<bucket>/<key…>" from a route's tail; segments are percent-decoded. */
export function bucketAndKey(tail: string): { bucket: string; key: string } {
  let decoded: string[]
  try {
    decoded = tail.split("/").map((segment) => decodeURIComponent(segment))
  } catch {
    throw errors.invalidKey(tail)
  }
  const [bucket = "", ...rest] = decoded
  if (bucket === "") throw errors.missingParameter("bucketName")

  return { bucket, key: checkKey(rest.join("/")) }
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw errors.invalidBucketName()
  }
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

/** "50MB", "50MiB", "3B" or a number of bytes, as hosted's bucket API and the CLI accept. */
export function parseSize(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === "string") {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(value)
    if (match) {
      const unit = SIZE_UNITS[(match[2] ?? "b").toLowerCase()] ?? 1

      return Math.floor(Number(match[1]) * unit)
    }
  }
  throw errors.invalidFileSizeLimit()
}

/** A MIME type without its parameters, lowercased. */
export function bareType(contentType: string) {
  return contentType.split(";")[0]!.trim().toLowerCase()
}

/** Hosted's validateMimeType: an exact type or a "type/*" wildcard. */
export function checkMimeType(contentType: string, allowed: string[] | null) {
  if (!allowed || allowed.length === 0) return
  const type = bareType(contentType)
  const [major] = type.split("/")
  for (const rule of allowed) {
    const bare = bareType(rule)
    if (bare === type) return
    const [ruleMajor, ruleMinor] = bare.split("/")
    if (ruleMinor === "*" && ruleMajor === major) return
  }
  throw errors.invalidMimeType(contentType)
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: Buffer
  try {
    raw = await readBody(req, 1024 * 1024)
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw errors.entityTooLarge()
    throw error
  }
  const text = raw.toString("utf8").trim()
  if (text === "") return {}
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === "object" && !Array.isArray(value))
      return value as Record<string, unknown>
  } catch {
    // answered below
  }
  throw errors.invalidRequest("Body is not valid JSON")
}

export function sendError(res: ServerResponse, error: StorageApiError) {
  sendJson(res, error.httpStatus, error.render())
}

/** The bucket as the platform sees it (uploads read it as the superuser, as hosted does). */
export async function findBucket(db: Queryable, id: string): Promise<Bucket> {
  const { rows } = await db.query<Bucket>(
    `select id, name, owner, coalesce(public, false) as public, file_size_limit,
            allowed_mime_types, created_at, updated_at
       from storage.buckets where id = $1`,
    [id]
  )
  if (!rows[0]) throw errors.noSuchBucket()

  return {
    ...rows[0],
    file_size_limit: rows[0].file_size_limit === null ? null : Number(rows[0].file_size_limit),
  }
}

export function effectiveLimit(state: StorageState, bucket: Bucket) {
  return bucket.file_size_limit === null
    ? state.globalLimit
    : Math.min(bucket.file_size_limit, state.globalLimit)
}

/** The "Bucket/key" hosted answers as an object's Key. */
export const keyOf = (bucket: string, name: string) => `${bucket}/${name}`
