// The bucket routes, as the caller (RLS on storage.buckets decides; the service role bypasses
// it), and the buckets config.toml declares ([storage.buckets.<name>]), created or updated at
// boot as `supabase start` does, with the files of their objects_path uploaded once.
import { readdir, readFile } from "node:fs/promises"
import { type IncomingMessage } from "node:http"
import path from "node:path"

import { asCaller, ownerOf, SERVICE, type Caller } from "./caller"
import { errors, fromDatabaseError } from "./errors"
import { checkBucketName, parseSize, type Bucket, type StorageState } from "./kernel"
import { commitRow } from "./write"

const BUCKET_COLUMNS = `id, name, owner, coalesce(public, false) as public, file_size_limit,
  allowed_mime_types, created_at, updated_at`

function present(bucket: Bucket) {
  return {
    ...bucket,
    type: "STANDARD",
    file_size_limit: bucket.file_size_limit === null ? null : Number(bucket.file_size_limit),
  }
}

function mimeTypes(value: unknown): string[] | null {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item === "")) {
    throw errors.invalidRequest("allowed_mime_types must be an array of MIME types")
  }

  return value as string[]
}

export async function listBuckets(
  state: StorageState,
  caller: Caller,
  query: URLSearchParams,
  req: IncomingMessage
) {
  const column = ["id", "name", "created_at", "updated_at"].includes(query.get("sortColumn") ?? "")
    ? query.get("sortColumn")!
    : "name"
  const order = query.get("sortOrder") === "desc" ? "desc" : "asc"
  const limit = Math.min(Math.max(Number(query.get("limit")) || 1000, 1), 10000)
  const offset = Math.max(Number(query.get("offset")) || 0, 0)
  const search = query.get("search") ?? ""
  try {
    const rows = await asCaller(
      state.db,
      caller,
      async (tx) =>
        (
          await tx.query<Bucket>(
            `select ${BUCKET_COLUMNS} from storage.buckets
              where name ilike '%' || $1 || '%'
              order by ${column} ${order} limit $2 offset $3`,
            [search.replace(/[\\%_]/g, (c) => `\\${c}`), limit, offset]
          )
        ).rows,
      req
    )

    return rows.map(present)
  } catch (error) {
    throw fromDatabaseError(error)
  }
}

export async function getBucket(
  state: StorageState,
  caller: Caller,
  id: string,
  req: IncomingMessage
) {
  const rows = await asCaller(
    state.db,
    caller,
    async (tx) =>
      (await tx.query<Bucket>(`select ${BUCKET_COLUMNS} from storage.buckets where id = $1`, [id]))
        .rows,
    req
  ).catch((error: unknown) => {
    throw fromDatabaseError(error)
  })
  if (!rows[0]) throw errors.noSuchBucket()

  return present(rows[0])
}

export async function createBucket(
  state: StorageState,
  caller: Caller,
  body: Record<string, unknown>,
  req: IncomingMessage
) {
  const id = checkBucketName(body.id ?? body.name)
  const name = typeof body.name === "string" && body.name !== "" ? checkBucketName(body.name) : id
  const owner = ownerOf(caller)
  try {
    await asCaller(
      state.db,
      caller,
      (tx) =>
        tx.query(
          `insert into storage.buckets (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types)
           values ($1, $2, $3::uuid, $3, $4, $5, $6)`,
          [
            id,
            name,
            owner,
            body.public === true,
            parseSize(body.file_size_limit),
            mimeTypes(body.allowed_mime_types),
          ]
        ),
      req
    )
  } catch (error) {
    const mapped = fromDatabaseError(error)
    if (mapped.code === "ResourceAlreadyExists") throw errors.bucketAlreadyExists()
    throw mapped
  }

  return { name: id }
}

export async function updateBucket(
  state: StorageState,
  caller: Caller,
  id: string,
  body: Record<string, unknown>,
  req: IncomingMessage
) {
  const sets: string[] = []
  const params: unknown[] = [id]
  if (typeof body.public === "boolean") {
    params.push(body.public)
    sets.push(`public = $${params.length}`)
  }
  if ("file_size_limit" in body) {
    params.push(parseSize(body.file_size_limit))
    sets.push(`file_size_limit = $${params.length}`)
  }
  if ("allowed_mime_types" in body) {
    params.push(mimeTypes(body.allowed_mime_types))
    sets.push(`allowed_mime_types = $${params.length}`)
  }
  sets.push("updated_at = now()")
  const result = await asCaller(
    state.db,
    caller,
    (tx) => tx.query(`update storage.buckets set ${sets.join(", ")} where id = $1`, params),
    req
  ).catch((error: unknown) => {
    throw fromDatabaseError(error)
  })
  if (result.rowCount !== 1) throw errors.noSuchBucket()

  return { message: "Successfully updated" }
}

export async function emptyBucket(
  state: StorageState,
  caller: Caller,
  id: string,
  req: IncomingMessage
) {
  await getBucket(state, caller, id, req)
  const removed = await asCaller(
    state.db,
    caller,
    async (tx) =>
      (
        await tx.query<{ version: string | null }>(
          "delete from storage.objects where bucket_id = $1 returning version",
          [id]
        )
      ).rows,
    req
  ).catch((error: unknown) => {
    throw fromDatabaseError(error)
  })
  for (const row of removed) await state.files.remove(id, row.version)

  return { message: "Successfully emptied" }
}

export async function deleteBucket(
  state: StorageState,
  caller: Caller,
  id: string,
  req: IncomingMessage
) {
  const objects = await state.db.query(
    "select 1 from storage.objects where bucket_id = $1 limit 1",
    [id]
  )
  if (objects.rows[0]) throw errors.bucketNotEmpty()
  const result = await asCaller(
    state.db,
    caller,
    (tx) => tx.query("delete from storage.buckets where id = $1", [id]),
    req
  ).catch((error: unknown) => {
    throw fromDatabaseError(error)
  })
  if (result.rowCount !== 1) throw errors.noSuchBucket()
  await state.files.removeBucket(id)

  return { message: "Successfully deleted" }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])

  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/")
    )
}

const EXTENSION_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".json": "application/json",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".html": "text/html",
  ".csv": "text/csv",
}

/** [storage.buckets.*]: each bucket created or updated, its objects_path uploaded once. */
export async function applyConfigBuckets(state: StorageState, supabaseDir: string) {
  for (const [id, bucket] of Object.entries(state.config.storage.buckets)) {
    checkBucketName(id)
    await state.db.query(
      `insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
       values ($1, $1, $2, $3, $4)
       on conflict (id) do update set public = excluded.public,
         file_size_limit = excluded.file_size_limit,
         allowed_mime_types = excluded.allowed_mime_types, updated_at = now()`,
      [id, bucket.public, parseSize(bucket.file_size_limit), bucket.allowed_mime_types ?? null]
    )
    if (!bucket.objects_path) continue
    const root = path.resolve(supabaseDir, bucket.objects_path)
    for (const key of await filesUnder(root)) {
      const existing = await state.db.query(
        "select 1 from storage.objects where bucket_id = $1 and name = $2",
        [id, key]
      )
      if (existing.rows[0]) continue
      const bytes = await readFile(path.join(root, key))
      const writer = await state.files.create(null)
      await writer.write(bytes)
      const eTag = await writer.finish()
      const version = crypto.randomUUID()
      await state.files.commit(writer, id, version)
      await commitRow(
        state,
        { bucket: id, key, caller: SERVICE, upsert: true, owner: null },
        version,
        {
          eTag,
          size: bytes.length,
          mimetype: EXTENSION_TYPES[path.extname(key).toLowerCase()] ?? "application/octet-stream",
          cacheControl: "max-age=3600",
          lastModified: new Date().toISOString(),
          contentLength: bytes.length,
          httpStatusCode: 200,
        },
        undefined
      )
    }
  }
}
