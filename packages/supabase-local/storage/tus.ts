// Resumable uploads over TUS at /storage/v1/upload/resumable, as hosted Storage serves them
// (src/http/routes/tus): @tus/server with a file store under the data directory, the object
// named by the Upload-Metadata fields bucketName and objectName (contentType, cacheControl and
// metadata optional), x-upsert on the creating request, every request authenticated by its
// JWT. Creation is refused unless the caller could write the object (the same RLS test as an
// upload) and the declared size fits the bucket; the last PATCH moves the bytes into the
// bucket and writes the row as the caller. An interrupted upload stays in the file store and
// resumes (after a restart too) from the offset the server reports.
//
// Signed resumable uploads live at /storage/v1/upload/resumable/sign, as hosted's (the
// SIGNED_URL_SUFFIX routes of src/http/routes/tus): every request carries a signed upload URL's
// token in `x-signature` instead of a JWT, the token must name the upload's bucket and object
// (verifyObjectSignature), and the object is written as the service role with the owner and
// upsert the token carries, as a PUT to the signed upload URL is.
import { open, rm } from "node:fs/promises"
import { type IncomingMessage, type ServerResponse } from "node:http"
import path from "node:path"

import type { Upload } from "@tus/server"

import { ownerOf, SERVICE, type Caller } from "./caller"
import { errors, StorageApiError } from "./errors"
import { checkKey, checkMimeType, effectiveLimit, findBucket, type StorageState } from "./kernel"
import { verifySigned } from "./signed"
import { checkCanWrite, commitRow } from "./write"

type TusRequest = { headers: Headers; method: string }

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

type Signed = { owner: string | null; upsert: boolean }

export async function createTusHandler(
  state: StorageState,
  route: string,
  { signed = false }: { signed?: boolean } = {}
) {
  // Loaded here, as Storage starts behind the open port, rather than with the stack's code:
  // @tus/server and its file store take a few hundred milliseconds to load.
  const [{ FileStore }, { Server }] = await Promise.all([
    import("@tus/file-store"),
    import("@tus/server"),
  ])
  const directory = path.join(state.files.root, ".tus")
  const datastore = new FileStore({ directory })

  /** The signed token's claims, checked against the upload's bucket and object. */
  async function verifySignature(req: TusRequest, metadata: UploadMetadata): Promise<Signed> {
    const claims = await verifySigned(
      state,
      req.headers.get("x-signature"),
      metadata?.bucketName ?? "",
      checkKey(metadata?.objectName ?? ""),
      "upload"
    )

    return {
      owner: typeof claims.owner === "string" ? claims.owner : null,
      upsert: claims.upsert === true,
    }
  }

  /** Who writes the object: the JWT's role, or for a signed upload the service role. */
  async function writerOf(req: TusRequest, metadata: UploadMetadata) {
    if (!signed) {
      const caller = await state.callerOf(tokenOf(req))
      return { caller, owner: ownerOf(caller), upsert: metadata?.upsert === "true" }
    }
    const { owner, upsert } = await verifySignature(req, metadata)

    return { caller: SERVICE, owner, upsert }
  }

  const server = new Server({
    path: route,
    datastore,
    maxSize: state.globalLimit,
    allowedHeaders: ["x-upsert", "x-signature", "apikey"],
    async onIncomingRequest(req: TusRequest, id: string) {
      try {
        if (!signed) {
          await state.callerOf(tokenOf(req))
          return
        }
        if (!req.headers.get("x-signature"))
          throw errors.invalidSignature("Missing x-signature header")
        // Creation is checked in onUploadCreate, where the metadata is known.
        if (req.method === "POST") return
        await verifySignature(req, (await datastore.getUpload(id)).metadata)
      } catch (error) {
        tusError(error)
      }
    },
    async onUploadCreate(req: TusRequest, upload: Upload) {
      try {
        const writer = await writerOf(req, upload.metadata)
        const upsert = signed
          ? writer.upsert
          : req.headers.get("x-upsert")?.toLowerCase() === "true"
        const metadata: Record<string, string | null> = {
          ...upload.metadata,
          upsert: upsert ? "true" : "false",
        }
        const target = { ...targetOf(metadata, writer.caller), owner: writer.owner }
        const bucket = await findBucket(state.db, target.bucket)
        checkMimeType(metadata.contentType || "application/octet-stream", bucket.allowed_mime_types)
        if (upload.size === undefined) throw errors.missingParameter("Upload-Length")
        if (upload.size > effectiveLimit(state, bucket)) throw errors.entityTooLarge()
        // A signed upload's permission was checked when its URL was signed.
        if (!signed) await checkCanWrite(state, target)

        return { metadata }
      } catch (error) {
        return tusError(error)
      }
    },
    async onUploadFinish(req: TusRequest, upload: Upload) {
      const file = path.join(directory, upload.id)
      try {
        const writer = await writerOf(req, upload.metadata)
        const target = { ...targetOf(upload.metadata, writer.caller), owner: writer.owner }
        const size = upload.size ?? upload.offset
        const handle = await open(file, "r+")
        const [digest] = await Promise.all([state.files.md5.file(file, size), handle.sync()])
        await handle.close()
        const eTag = `"${digest}"`
        const version = crypto.randomUUID()
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
