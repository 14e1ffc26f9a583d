// Removing, moving and copying objects, as the caller: remove needs SELECT + DELETE, move
// SELECT + UPDATE, copy SELECT + INSERT (hosted Storage's documented permissions). Bytes follow
// the committed rows: a new version's bytes are in place before the row commits, a dropped
// version's bytes are removed after.
import { randomUUID } from "node:crypto"
import { type IncomingMessage } from "node:http"

import { asCaller, becomeCaller, ownerOf, type Caller } from "./caller"
import { errors, fromDatabaseError } from "./errors"
import { checkKey, type StorageState } from "./kernel"
import { findObject, type ObjectRow } from "./read"
import { lockName } from "./write"

export async function removeObjects(
  state: StorageState,
  caller: Caller,
  bucket: string,
  names: string[],
  req: IncomingMessage
): Promise<ObjectRow[]> {
  let removed: ObjectRow[]
  try {
    removed = await asCaller(
      state.db,
      caller,
      async (tx) =>
        (
          await tx.query<ObjectRow>(
            `delete from storage.objects where bucket_id = $1 and name = any($2::text[])
             returning id, bucket_id, name, owner, owner_id, version, metadata, user_metadata,
                       created_at, updated_at, last_accessed_at`,
            [bucket, names]
          )
        ).rows,
      req
    )
  } catch (error) {
    throw fromDatabaseError(error)
  }
  for (const row of removed) await state.files.remove(row.bucket_id, row.version)

  return removed
}

export type Transfer = {
  sourceBucket: string
  sourceKey: string
  destinationBucket: string
  destinationKey: string
}

export function parseTransfer(body: Record<string, unknown>): Transfer {
  const { bucketId, sourceKey, destinationKey, destinationBucket } = body
  if (typeof bucketId !== "string" || bucketId === "") throw errors.missingParameter("bucketId")
  if (typeof sourceKey !== "string") throw errors.missingParameter("sourceKey")
  if (typeof destinationKey !== "string") throw errors.missingParameter("destinationKey")

  return {
    sourceBucket: bucketId,
    sourceKey: checkKey(sourceKey),
    destinationBucket:
      typeof destinationBucket === "string" && destinationBucket !== ""
        ? destinationBucket
        : bucketId,
    destinationKey: checkKey(destinationKey),
  }
}

async function bucketExists(state: StorageState, id: string) {
  const { rows } = await state.db.query("select 1 from storage.buckets where id = $1", [id])
  if (!rows[0]) throw errors.noSuchBucket()
}

/** Renames an object (also into another bucket): one UPDATE as the caller. */
export async function moveObject(
  state: StorageState,
  caller: Caller,
  move: Transfer,
  req: IncomingMessage
) {
  await bucketExists(state, move.sourceBucket)
  await bucketExists(state, move.destinationBucket)
  let source: ObjectRow | undefined
  let linked = false
  try {
    await state.db.transaction(async (tx) => {
      // Locked in a fixed order, so two opposite moves cannot deadlock.
      const names = [
        `${move.sourceBucket}/${move.sourceKey}`,
        `${move.destinationBucket}/${move.destinationKey}`,
      ].sort()
      for (const name of names) {
        const [bucket, ...rest] = name.split("/")
        await lockName(tx, bucket!, rest.join("/"))
      }
      const taken = await tx.query(
        "select 1 from storage.objects where bucket_id = $1 and name = $2",
        [move.destinationBucket, move.destinationKey]
      )
      if (taken.rows[0]) throw errors.alreadyExists()
      await becomeCaller(tx, caller, req)
      source = await findObject(tx, move.sourceBucket, move.sourceKey)
      if (move.destinationBucket !== move.sourceBucket && source.version) {
        await state.files.duplicate(
          { bucket: move.sourceBucket, version: source.version },
          { bucket: move.destinationBucket, version: source.version }
        )
        linked = true
      }
      const moved = await tx.query(
        `update storage.objects set bucket_id = $3, name = $4, last_accessed_at = now()
          where bucket_id = $1 and name = $2`,
        [move.sourceBucket, move.sourceKey, move.destinationBucket, move.destinationKey]
      )
      if (moved.rowCount !== 1) throw errors.noSuchKey()
    })
  } catch (error) {
    if (linked && source?.version) await state.files.remove(move.destinationBucket, source.version)
    throw fromDatabaseError(error)
  }
  if (linked && source?.version) await state.files.remove(move.sourceBucket, source.version)

  return { message: "Successfully moved" }
}

/** Copies an object as a new version (a hard link of the bytes) under a new key. */
export async function copyObject(
  state: StorageState,
  caller: Caller,
  copy: Transfer,
  { upsert, metadata }: { upsert: boolean; metadata?: Record<string, unknown> },
  req: IncomingMessage
) {
  await bucketExists(state, copy.sourceBucket)
  await bucketExists(state, copy.destinationBucket)
  const source = await asCaller(
    state.db,
    caller,
    (tx) => findObject(tx, copy.sourceBucket, copy.sourceKey),
    req
  ).catch((error: unknown) => {
    throw fromDatabaseError(error)
  })
  if (!source.version) throw errors.noSuchKey()
  const version = randomUUID()
  await state.files.duplicate(
    { bucket: copy.sourceBucket, version: source.version },
    { bucket: copy.destinationBucket, version }
  )
  let id: string = randomUUID()
  let replaced: string | null = null
  const owner = ownerOf(caller)
  const objectMetadata = {
    ...(source.metadata ?? {}),
    ...(metadata?.cacheControl ? { cacheControl: metadata.cacheControl } : {}),
    ...(metadata?.contentType ? { mimetype: metadata.contentType } : {}),
    lastModified: new Date().toISOString(),
  }
  try {
    await state.db.transaction(async (tx) => {
      await lockName(tx, copy.destinationBucket, copy.destinationKey)
      const existing = await tx.query<{ id: string; version: string | null }>(
        "select id, version from storage.objects where bucket_id = $1 and name = $2",
        [copy.destinationBucket, copy.destinationKey]
      )
      if (existing.rows[0] && !upsert) throw errors.alreadyExists()
      if (existing.rows[0]) {
        id = existing.rows[0].id
        replaced = existing.rows[0].version
      }
      await becomeCaller(tx, caller, req)
      await tx.query(
        `insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version)
         values ($1, $2, $3, $4::uuid, $4, $5::jsonb, $6::jsonb, $7)
         ${
           upsert
             ? `on conflict (bucket_id, name) do update set owner = excluded.owner,
                  owner_id = excluded.owner_id, metadata = excluded.metadata,
                  user_metadata = excluded.user_metadata, version = excluded.version`
             : ""
         }`,
        [
          id,
          copy.destinationBucket,
          copy.destinationKey,
          owner,
          JSON.stringify(objectMetadata),
          source.user_metadata === null || source.user_metadata === undefined
            ? null
            : JSON.stringify(source.user_metadata),
          version,
        ]
      )
    })
  } catch (error) {
    await state.files.remove(copy.destinationBucket, version)
    throw fromDatabaseError(error)
  }
  // As after an upsert: the replaced version's bytes go once the reply is out.
  state.files.removeLater(copy.destinationBucket, replaced)

  return { Id: id, Key: `${copy.destinationBucket}/${copy.destinationKey}` }
}
