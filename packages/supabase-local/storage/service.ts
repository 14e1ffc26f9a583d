// /storage/v1: Supabase Storage's HTTP API (supabase/storage, src/http/routes) over the stack's
// database and a folder of bytes. Routes map one to one onto hosted's; what each does is in
// buckets.ts, write.ts, read.ts, mutate.ts, signed.ts and tus.ts.
import { type IncomingMessage, type ServerResponse } from "node:http"

import { sendJson } from "../http"
import { type Service, type ServiceContext } from "../service"
import {
  applyConfigBuckets,
  createBucket,
  deleteBucket,
  emptyBucket,
  getBucket,
  listBuckets,
  updateBucket,
} from "./buckets"
import { createCallerResolver, createTokenVerifier, requestToken, SERVICE } from "./caller"
import { errors, StorageApiError } from "./errors"
import { ObjectFiles } from "./files"
import {
  bucketAndKey,
  checkKey,
  decodeSegment,
  findBucket,
  parseSize,
  readJson,
  sendError,
  type StorageState,
} from "./kernel"
import { copyObject, moveObject, parseTransfer, removeObjects } from "./mutate"
import { findObject, findObjectAs, infoOf, listObjects, listObjectsV2, sendObject } from "./read"
import { signDownload, signDownloads, signUpload, verifySigned } from "./signed"
import { createTusHandler } from "./tus"
import { drain, uploadObject } from "./write"

export const STORAGE_PREFIX = "/storage/v1"

function header(req: IncomingMessage, name: string) {
  const value = req.headers[name]

  return Array.isArray(value) ? value[0] : value
}

const isTrue = (value: string | undefined) => value?.toLowerCase() === "true"

/** Bytes by bucket folder that some object row still names; everything else is swept. */
async function liveVersions(state: StorageState) {
  const { rows } = await state.db.query<{ bucket_id: string; version: string }>(
    "select bucket_id, version from storage.objects where version is not null"
  )
  const live = new Map<string, Set<string>>()
  for (const row of rows) {
    const folder = ObjectFiles.folderOf(row.bucket_id)
    if (!live.has(folder)) live.set(folder, new Set())
    live.get(folder)!.add(row.version)
  }

  return live
}

/** A random id this database keeps for itself (in _local.secrets), naming its bytes folder. */
async function databaseInstance(state: StorageState) {
  const { rows } = await state.db.query<{ value: string }>(
    `insert into _local.secrets (name, value) values ('storage_instance', gen_random_uuid()::text)
     on conflict (name) do update set name = excluded.name
     returning value`
  )

  return rows[0]!.value
}

export async function createStorageService(ctx: ServiceContext): Promise<Service> {
  const verifyToken = createTokenVerifier(ctx.keys)
  const state: StorageState = {
    db: ctx.db,
    keys: ctx.keys,
    config: ctx.config,
    files: new ObjectFiles(ctx.storageDir),
    callerOf: createCallerResolver(verifyToken),
    verifyToken,
    globalLimit: parseSize(ctx.config.storage.file_size_limit) ?? 50 * 1024 * 1024,
    log: ctx.log,
  }
  const [tus, signedTus] = await Promise.all([
    createTusHandler(state, `${STORAGE_PREFIX}/upload/resumable`),
    createTusHandler(state, `${STORAGE_PREFIX}/upload/resumable/sign`, { signed: true }),
  ])

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost")
    const tail = url.pathname.slice(STORAGE_PREFIX.length).replace(/\/+$/, "")
    const method = req.method ?? "GET"
    const segments = tail.split("/").slice(1)
    const callerOf = () => state.callerOf(requestToken(req))

    if (tail === "/upload/resumable/sign" || tail.startsWith("/upload/resumable/sign/")) {
      return signedTus.handle(req, res)
    }
    if (tail === "/upload/resumable" || tail.startsWith("/upload/resumable/")) {
      return tus.handle(req, res)
    }
    // Buckets.
    if (segments[0] === "bucket") {
      const id = segments[1] === undefined ? undefined : decodeSegment(segments[1])
      if (id === undefined && method === "GET") {
        return sendJson(res, 200, await listBuckets(state, await callerOf(), url.searchParams, req))
      }
      if (id === undefined && method === "POST") {
        return sendJson(
          res,
          200,
          await createBucket(state, await callerOf(), await readJson(req), req)
        )
      }
      if (id !== undefined && segments.length === 2) {
        if (method === "GET")
          return sendJson(res, 200, await getBucket(state, await callerOf(), id, req))
        if (method === "PUT") {
          return sendJson(
            res,
            200,
            await updateBucket(state, await callerOf(), id, await readJson(req), req)
          )
        }
        if (method === "DELETE")
          return sendJson(res, 200, await deleteBucket(state, await callerOf(), id, req))
      }
      if (
        id !== undefined &&
        segments[2] === "empty" &&
        segments.length === 3 &&
        method === "POST"
      ) {
        return sendJson(res, 200, await emptyBucket(state, await callerOf(), id, req))
      }
      throw errors.notFound()
    }
    if (segments[0] !== "object") throw errors.notFound()
    const rest = segments.slice(1)
    const restPath = rest.join("/")
    const [first, second] = rest

    if ((first === "list" || first === "list-v2") && rest.length === 2 && method === "POST") {
      const bucket = decodeSegment(second!)
      const caller = await callerOf()
      await findBucket(state.db, bucket)
      const body = await readJson(req)
      const listed =
        first === "list"
          ? await listObjects(state, caller, bucket, body, req)
          : await listObjectsV2(state, caller, bucket, body, req)
      return sendJson(res, 200, listed)
    }
    if ((first === "move" || first === "copy") && rest.length === 1 && method === "POST") {
      const caller = await callerOf()
      const body = await readJson(req)
      const transfer = parseTransfer(body)
      if (first === "move")
        return sendJson(res, 200, await moveObject(state, caller, transfer, req))
      const metadata =
        body.copyMetadata === false && body.metadata && typeof body.metadata === "object"
          ? (body.metadata as Record<string, unknown>)
          : undefined
      return sendJson(
        res,
        200,
        await copyObject(
          state,
          caller,
          transfer,
          { upsert: isTrue(header(req, "x-upsert")), metadata },
          req
        )
      )
    }
    if (first === "sign") {
      if (rest.length === 2 && method === "POST") {
        const bucket = decodeSegment(second!)
        return sendJson(
          res,
          200,
          await signDownloads(state, await callerOf(), bucket, await readJson(req))
        )
      }
      const { bucket, key } = bucketAndKey(rest.slice(1).join("/"))
      if (method === "POST") {
        return sendJson(
          res,
          200,
          await signDownload(state, await callerOf(), bucket, key, await readJson(req))
        )
      }
      if (method === "GET" || method === "HEAD") {
        await verifySigned(state, url.searchParams.get("token"), bucket, key, "download")
        return sendObject(state, req, res, () => findObject(state.db, bucket, key), url)
      }
      throw errors.notFound()
    }
    if (first === "upload" && second === "sign") {
      const { bucket, key } = bucketAndKey(rest.slice(2).join("/"))
      if (method === "POST") {
        return sendJson(
          res,
          200,
          await signUpload(state, await callerOf(), bucket, key, isTrue(header(req, "x-upsert")))
        )
      }
      if (method === "PUT") {
        const claims = await verifySigned(
          state,
          url.searchParams.get("token"),
          bucket,
          key,
          "upload"
        )
        const stored = await uploadObject(
          state,
          req,
          {
            bucket,
            key,
            caller: SERVICE,
            upsert: claims.upsert === true,
            owner: typeof claims.owner === "string" ? claims.owner : null,
          },
          { checkPermission: false }
        )
        return sendJson(res, 200, { Id: stored.id, Key: stored.key })
      }
      throw errors.notFound()
    }
    if (first === "public" && (method === "GET" || method === "HEAD")) {
      const { bucket, key } = bucketAndKey(rest.slice(1).join("/"))
      const found = await findBucket(state.db, bucket)
      if (!found.public) throw errors.noSuchBucket()
      return sendObject(state, req, res, () => findObject(state.db, bucket, key), url)
    }
    if (first === "info") {
      const scope = second === "public" || second === "authenticated" ? second : undefined
      const { bucket, key } = bucketAndKey(rest.slice(scope ? 2 : 1).join("/"))
      if (method !== "GET" && method !== "HEAD") throw errors.notFound()
      if (scope === "public") {
        const found = await findBucket(state.db, bucket)
        if (!found.public) throw errors.noSuchBucket()
        return sendJson(res, 200, infoOf(await findObject(state.db, bucket, key)))
      }
      await findBucket(state.db, bucket)
      return sendJson(
        res,
        200,
        infoOf(await findObjectAs(state, await callerOf(), bucket, key, req))
      )
    }
    // DELETE /object/{bucket} with { prefixes }: bulk removal.
    if (rest.length === 1 && method === "DELETE") {
      const bucket = decodeSegment(first!)
      const caller = await callerOf()
      await findBucket(state.db, bucket)
      const body = await readJson(req)
      if (!Array.isArray(body.prefixes) || body.prefixes.length === 0)
        throw errors.missingParameter("prefixes")
      if (body.prefixes.length > 1000)
        throw errors.invalidRequest("At most 1000 objects are removed at once")
      const names = body.prefixes.map((entry) =>
        typeof entry === "string"
          ? entry
          : entry &&
              typeof entry === "object" &&
              typeof (entry as { path?: unknown }).path === "string"
            ? (entry as { path: string }).path
            : ""
      )
      return sendJson(res, 200, await removeObjects(state, caller, bucket, names, req))
    }
    const authenticated = first === "authenticated"
    const { bucket, key } = bucketAndKey(authenticated ? rest.slice(1).join("/") : restPath)
    checkKey(key)
    if (method === "GET" || method === "HEAD") {
      const caller = await callerOf()
      await findBucket(state.db, bucket)
      return sendObject(state, req, res, () => findObjectAs(state, caller, bucket, key, req), url)
    }
    if ((method === "POST" || method === "PUT") && !authenticated) {
      const caller = await callerOf()
      const upsert = method === "PUT" || isTrue(header(req, "x-upsert"))
      const stored = await uploadObject(state, req, { bucket, key, caller, upsert })
      return sendJson(res, 200, { Id: stored.id, Key: stored.key })
    }
    if (method === "DELETE" && !authenticated) {
      const caller = await callerOf()
      await findBucket(state.db, bucket)
      const removed = await removeObjects(state, caller, bucket, [key], req)
      if (removed.length === 0) throw errors.noSuchKey()
      return sendJson(res, 200, { message: "Successfully deleted" })
    }
    throw errors.notFound()
  }

  return {
    name: "storage",
    prefix: STORAGE_PREFIX,
    async start() {
      await state.files.init()
      // The folder may hold another database's bytes (a test stack, a --db-url run): only the
      // database that owns it sweeps it.
      if (await state.files.claim(await databaseInstance(state))) {
        const swept = await state.files.sweep(await liveVersions(state))
        if (swept > 0)
          state.log(`[storage] removed ${swept} unreferenced file(s) left by an interrupted write`)
      } else {
        state.log(`[storage] ${ctx.storageDir} belongs to another database: not swept`)
      }
      await applyConfigBuckets(state, ctx.supabaseDir)
    },
    async handle(req, res) {
      if (!ctx.config.storage.enabled)
        return sendJson(res, 404, { message: "no Route matched with those values" })
      try {
        await route(req, res)
      } catch (error) {
        if (!(error instanceof StorageApiError)) {
          state.log(`[storage] ${req.method} ${req.url}: ${String(error)}`)
          throw error
        }
        if (res.headersSent) {
          res.destroy()
          return
        }
        // An answer sent before the body was read makes Node close the connection after it,
        // which a client reusing the connection sees as a reset: read the rest first.
        await drain(req)
        sendError(res, error)
      }
    },
    statusLines: () => [
      `Storage URL: ${ctx.apiUrl}${STORAGE_PREFIX}`,
      `Storage files: ${ctx.storageDir}`,
    ],
    stop: async () => {
      await tus.stop()
      await signedTus.stop()
      await state.files.md5.stop()
      await state.files.settled()
    },
  }
}
