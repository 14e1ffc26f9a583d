// Files over 6 MB go to Storage over TUS, as Supabase asks of large uploads
// (docs/storage.md, "Resumable uploads"): the signed upload URL the console hands out names the
// bucket, the object and a token; the same token, in `x-signature`, authorises a resumable
// upload at /storage/v1/upload/resumable/sign (hosted Storage's signed TUS route). The file is
// sent in 6 MB chunks (the chunk size hosted Storage requires); when a chunk fails (a cut
// connection, a restarting server) the agent asks the server how far it got (HEAD) and goes on
// from there instead of starting again.

/** Above this size an attachment goes over TUS, as Supabase recommends. */
export const RESUMABLE_THRESHOLD_BYTES = 6 * 1024 * 1024
export const RESUMABLE_CHUNK_BYTES = 6 * 1024 * 1024

const TUS = { "tus-resumable": "1.0.0" }

export type ResumableSource = {
  size: number
  /** Bytes [offset, offset + length) of the file. */
  read: (offset: number, length: number) => Promise<Uint8Array>
}

export type ResumableOptions = {
  /** A signed upload URL: <storage>/object/upload/sign/<bucket>/<key>?token=… */
  signedUrl: string
  contentType: string
  source: ResumableSource
  fetchImpl?: typeof fetch
  /** Failed requests in a row before giving up (the next sync starts over). */
  attempts?: number
  retryDelayMs?: number
  chunkBytes?: number
  /** Called after each chunk the server acknowledged, with its offset. */
  onProgress?: (offset: number) => void
}

export class ResumableUploadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "ResumableUploadError"
  }
}

/** The TUS endpoint, bucket, object name and token a signed upload URL stands for. */
export function signedUploadTarget(signedUrl: string) {
  const url = new URL(signedUrl)
  const match = /^(.*)\/object\/upload\/sign\/([^/]+)\/(.+)$/.exec(url.pathname)
  const token = url.searchParams.get("token")
  if (!match || !token)
    throw new ResumableUploadError(`not a signed upload URL: ${url.pathname}`)
  const [, prefix, bucket, key] = match

  return {
    endpoint: `${url.origin}${prefix}/upload/resumable/sign`,
    bucket: decodeURIComponent(bucket!),
    objectName: key!.split("/").map(decodeURIComponent).join("/"),
    token,
  }
}

const metadataHeader = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",")

async function failure(response: Response) {
  const body = await response.text().catch(() => "")

  return `${response.status} ${body}`.trim()
}

export async function uploadResumable({
  signedUrl,
  contentType,
  source,
  fetchImpl = fetch,
  attempts = 5,
  retryDelayMs = 500,
  chunkBytes = RESUMABLE_CHUNK_BYTES,
  onProgress,
}: ResumableOptions): Promise<void> {
  const target = signedUploadTarget(signedUrl)
  const auth = { ...TUS, "x-signature": target.token }

  const created = await fetchImpl(target.endpoint, {
    method: "POST",
    headers: {
      ...auth,
      "upload-length": String(source.size),
      "upload-metadata": metadataHeader({
        bucketName: target.bucket,
        objectName: target.objectName,
        contentType,
        cacheControl: "3600",
      }),
    },
  })
  const location = created.headers.get("location")
  if (created.status !== 201 || !location)
    throw new ResumableUploadError(
      `the resumable upload was not created: ${await failure(created)}`
    )
  const uploadUrl = new URL(location, target.endpoint).toString()

  let offset = 0
  let failures = 0
  while (offset < source.size) {
    try {
      const chunk = await source.read(
        offset,
        Math.min(chunkBytes, source.size - offset)
      )
      const response = await fetchImpl(uploadUrl, {
        method: "PATCH",
        headers: {
          ...auth,
          "upload-offset": String(offset),
          "content-type": "application/offset+octet-stream",
        },
        // A copy owned by this request (fetch takes an ArrayBuffer-backed view).
        body: new Uint8Array(chunk),
      })
      if (response.status === 204) {
        offset = Number(response.headers.get("upload-offset"))
        failures = 0
        onProgress?.(offset)
        continue
      }
      // 4xx other than a conflict on the offset will not pass by trying again.
      if (
        response.status >= 400 &&
        response.status < 500 &&
        response.status !== 409
      )
        throw new ResumableUploadError(await failure(response))
      throw new Error(await failure(response))
    } catch (error) {
      if (error instanceof ResumableUploadError) throw error
      failures += 1
      if (failures >= attempts)
        throw new ResumableUploadError(
          `the upload stopped at ${offset} of ${source.size} bytes: ${(error as Error).message}`
        )
      await new Promise((resolve) =>
        setTimeout(resolve, retryDelayMs * failures)
      )
      // The connection may have carried part of the chunk: ask where the server is.
      const head = await fetchImpl(uploadUrl, {
        method: "HEAD",
        headers: auth,
      }).catch(() => null)
      const reported = Number(head?.headers.get("upload-offset"))
      if (head?.ok && Number.isFinite(reported)) offset = reported
    }
  }
}
