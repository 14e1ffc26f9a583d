// Resumable uploads over TUS at /storage/v1/upload/resumable, as hosted Storage serves them
// (src/http/routes/tus): @tus/server with a file store under the data directory, the object
// named by the Upload-Metadata fields bucketName and objectName (contentType, cacheControl and
// metadata optional), x-upsert on the creating request, every request authenticated by its
// JWT. Creation is refused unless the caller could write the object (the same RLS test as an
// upload) and the declared size fits the bucket; the last PATCH moves the bytes into the
// bucket and writes the row as the caller. An interrupted upload stays in the file store and
// resumes (after a restart too) from the offset the server reports.
import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { open, rm } from "node:fs/promises"
import { type IncomingMessage, type ServerResponse } from "node:http"
import path from "node:path"

import { FileStore } from "@tus/file-store"
import { Server, type Upload } from "@tus/server"

import { ownerOf, type Caller } from "./caller"
import { errors, StorageApiError } from "./errors"
import { checkKey, checkMimeType, effectiveLimit, findBucket, type StorageState } from "./kernel"
import { checkCanWrite, commitRow } from "./write"

type TusRequest = { headers: Headers }

function tusError(error: unknown): never {
  if (error instanceof StorageApiError) {
    throw { status_code: error.httpStatus, body: JSON.stringify(error.render()) }
  }
  throw error
}

function tokenOf(req: TusRequest) {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "")?.[1]

  return bearer ?? req.headers.get("apikey") ?? undefined
}

type UploadMetadata = Upload["metadata"]

function targetOf(metadata: UploadMetadata, caller: Caller) {
  const bucket = metadata?.bucketName ?? ""
  const key = checkKey(metadata?.objectName ?? "")
  if (bucket === "") throw errors.missingParameter("bucketName")

  return {
    bucket,
    key,
    caller,
    upsert: metadata?.upsert === "true",
    owner: ownerOf(caller),
  }
}

function cacheControlOf(value: string | null | undefined) {
  if (!value) return "no-cache"

  return /^\d+$/.test(value) ? `max-age=${value}` : value
}

async function md5Of(file: string) {
  const hash = createHash("md5")
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)

  return `"${hash.digest("hex")}"`
}

export function createTusHandler(state: StorageState, route: string) {
  const directory = path.join(state.files.root, ".tus")
  const server = new Server({
    path: route,
    datastore: new FileStore({ directory }),
    maxSize: state.globalLimit,
    async onIncomingRequest(req: TusRequest) {
      try {
        await state.callerOf(tokenOf(req))
      } catch (error) {
        tusError(error)
      }
    },
    async onUploadCreate(req: TusRequest, upload: Upload) {
      try {
        const caller = await state.callerOf(tokenOf(req))
        const upsert = req.headers.get("x-upsert")?.toLowerCase() === "true"
        const metadata: Record<string, string | null> = {
          ...upload.metadata,
          upsert: upsert ? "true" : "false",
        }
        const target = targetOf(metadata, caller)
        const bucket = await findBucket(state.db, target.bucket)
        checkMimeType(metadata.contentType || "application/octet-stream", bucket.allowed_mime_types)
        if (upload.size === undefined) throw errors.missingParameter("Upload-Length")
        if (upload.size > effectiveLimit(state, bucket)) throw errors.entityTooLarge()
        await checkCanWrite(state, target)

        return { metadata }
      } catch (error) {
        return tusError(error)
      }
    },
    async onUploadFinish(req: TusRequest, upload: Upload) {
      const file = path.join(directory, upload.id)
      try {
        const caller = await state.callerOf(tokenOf(req))
        const target = targetOf(upload.metadata, caller)
        const eTag = await md5Of(file)
        const handle = await open(file, "r+")
        await handle.sync()
        await handle.close()
        const version = crypto.randomUUID()
        const size = upload.size ?? upload.offset
        await state.files.adopt(file, target.bucket, version)
        await rm(`${file}.json`, { force: true })
        await commitRow(
          state,
          target,
          version,
          {
            eTag,
            size,
            mimetype: upload.metadata?.contentType || "application/octet-stream",
            cacheControl: cacheControlOf(upload.metadata?.cacheControl),
            lastModified: new Date().toISOString(),
            contentLength: size,
            httpStatusCode: 200,
          },
          parseJsonMetadata(upload.metadata?.metadata)
        )

        return {}
      } catch (error) {
        await rm(file, { force: true })
        await rm(`${file}.json`, { force: true })
        return tusError(error)
      }
    },
  })

  return {
    handle: (req: IncomingMessage, res: ServerResponse) => server.handle(req, res),
    stop: async () => undefined,
  }
}

function parseJsonMetadata(text: string | null | undefined): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
