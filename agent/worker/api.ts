import { createReadStream } from "node:fs"
import { Readable } from "node:stream"

import { z } from "zod"

import {
  claimedRunSchema,
  runArtifactUploadResponseSchema,
  runLeaseResponseSchema,
  runLogAppendResponseSchema,
  workerSessionResponseSchema,
  type ClaimedRun,
  type RunComplete,
  type RunLogLine,
  type WorkerSessionResponse,
} from "@/lib/devices/runs-schema"
import { deviceApiErrorSchema } from "@/lib/devices/schema"

import { normalizeServer } from "../api-client"
import { backoffDelay, sleep as defaultSleep } from "../backoff"

// The worker's side of the device API's runs routes (docs/device-api.md). A failure of the
// network or a "later" answer (502-504, 429) is retried a few times with backoff; any other
// refusal is a WorkerApiError carrying the API's code, so the worker can tell a lost lease
// (409 lease_lost: stop, never complete) from a bad request.

export class WorkerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = "WorkerApiError"
  }
}

export function isLeaseLost(error: unknown): boolean {
  return error instanceof WorkerApiError && error.status === 409
}

export type WorkerApi = ReturnType<typeof createWorkerApi>

export type ArtifactMeta = {
  key: string
  size_bytes: number
  sha256: string
  content_type: string
}

/** An upload gets this long in all: 100 MiB at ~1 MB/s. */
const UPLOAD_TIMEOUT_MS = 120_000

/** Storage's error body ({statusCode, error, message}, as hosted Storage sends it). */
const storageErrorSchema = z.object({ message: z.string() })

export function createWorkerApi({
  server,
  secret,
  fetch: fetchImpl = fetch,
  sleep = defaultSleep,
  timeoutMs = 15_000,
  maxAttempts = 4,
}: {
  server: string
  secret: string
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  timeoutMs?: number
  maxAttempts?: number
}) {
  const origin = normalizeServer(server)

  async function post<T>(
    path: string,
    body: unknown,
    schema: z.ZodType<T>
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      let status = 0
      let parsed: unknown
      let retryAfterMs = 0
      try {
        const response = await fetchImpl(
          `${origin}/api/device/v1/runs/${path}`,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json",
              authorization: `Bearer ${secret}`,
            },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
          }
        )
        status = response.status
        const text = await response.text()
        try {
          parsed = text ? JSON.parse(text) : undefined
        } catch {
          parsed = undefined
        }
        retryAfterMs =
          Number(response.headers.get("retry-after") ?? 0) * 1000 || 0
      } catch (error) {
        if (attempt + 1 >= maxAttempts) {
          throw new WorkerApiError(
            0,
            "network_error",
            `The console at ${origin} did not answer: ${String(error)}`
          )
        }
        await sleep(backoffDelay(attempt))
        continue
      }
      if (status >= 200 && status < 300) return schema.parse(parsed)
      const retryable = status === 429 || (status >= 502 && status <= 504)
      if (retryable && attempt + 1 < maxAttempts) {
        await sleep(Math.max(retryAfterMs, backoffDelay(attempt)))
        continue
      }
      const problem = deviceApiErrorSchema.safeParse(parsed)
      throw new WorkerApiError(
        status,
        problem.success ? problem.data.error : "unexpected_response",
        problem.success ? problem.data.message : `HTTP ${status} from ${path}`
      )
    }
  }

  const run = (id: string, action: string) =>
    `${encodeURIComponent(id)}/${action}`
  const stateSchema = z.object({ id: z.string(), status: z.string() }).loose()

  return {
    session: (): Promise<WorkerSessionResponse> =>
      post("session", {}, workerSessionResponseSchema),
    claim: async (input: {
      lease_seconds: number
      project_id?: string
    }): Promise<ClaimedRun | null> =>
      (
        await post(
          "claim",
          input,
          z.object({ run: claimedRunSchema.nullable() })
        )
      ).run,
    start: (id: string, lease_seconds: number) =>
      post(run(id, "start"), { lease_seconds }, stateSchema),
    heartbeat: (id: string, lease_seconds: number) =>
      post(
        run(id, "heartbeat"),
        { lease_seconds },
        runLeaseResponseSchema.extend({
          lease_expires_at: z.string().nullable(),
        })
      ),
    appendLogs: (id: string, lines: RunLogLine[]) =>
      post(run(id, "logs"), { lines }, runLogAppendResponseSchema),
    event: (
      id: string,
      kind: string,
      message: string,
      data: Record<string, z.core.util.JSONType>
    ) =>
      post(
        run(id, "events"),
        { kind, message, data },
        z.object({ id: z.unknown() })
      ),
    /** A signed URL to put an artifact's bytes at (straight into Storage). */
    artifactUploadUrl: (id: string, artifact: ArtifactMeta) =>
      post(
        run(id, "artifacts/upload"),
        artifact,
        runArtifactUploadResponseSchema
      ),
    /**
     * Puts a file at a signed upload URL, streamed. Storage answers a refusal with its own
     * error body; it becomes a WorkerApiError so the step fails with Storage's reason.
     */
    putArtifact: async (url: string, file: string, contentType: string) => {
      let response: Response
      try {
        response = await fetchImpl(url, {
          method: "PUT",
          headers: { "content-type": contentType, "x-upsert": "true" },
          body: Readable.toWeb(createReadStream(file)) as ReadableStream,
          // Node's fetch streams a request body only half-duplex (not in the DOM's types).
          ...({ duplex: "half" } as object),
          signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
        })
      } catch (error) {
        throw new WorkerApiError(
          0,
          "network_error",
          `Storage did not take the upload: ${String(error)}`
        )
      }
      const text = await response.text()
      if (response.ok) return
      const problem = storageErrorSchema.safeParse(
        (() => {
          try {
            return JSON.parse(text) as unknown
          } catch {
            return undefined
          }
        })()
      )
      throw new WorkerApiError(
        response.status,
        "unexpected_response",
        `Storage refused the upload (HTTP ${response.status}${problem.success ? `: ${problem.data.message}` : ""})`
      )
    },
    artifact: (id: string, artifact: ArtifactMeta & { uploaded: boolean }) =>
      post(
        run(id, "artifacts"),
        artifact,
        z.object({ id: z.string() }).loose()
      ),
    complete: (id: string, input: RunComplete) =>
      post(run(id, "complete"), input, stateSchema),
    stopped: (
      id: string,
      lines: { line: string; stream: RunLogLine["stream"] }[],
      data: Record<string, z.core.util.JSONType>
    ) =>
      post(run(id, "stopped"), { lines, data }, z.object({ id: z.unknown() })),
  }
}
