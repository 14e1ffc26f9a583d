import { runArtifactUploadSchema } from "@/lib/devices/runs-schema"

import {
  artifactStoragePath,
  heldRunProject,
  RUN_ARTIFACTS_BUCKET,
} from "../../../_lib/artifacts"
import { readBody, runIdOf, runNotFound, runsRequest } from "../../../_lib/runs"
import {
  errorResponse,
  jsonResponse,
  UpstreamError,
} from "../../../../_lib/http"

/**
 * Where the worker puts an artifact's bytes: a signed upload URL for
 * run-artifacts/<project>/<run>/<key>, signed as this device, so Storage's policy decides
 * (only the device holding the run's lease may write there) and the bytes go straight to
 * Storage, never through the console. The worker then records the artifact (POST
 * …/artifacts with uploaded: true). docs/device-api.md, "Runs".
 */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("artifact upload", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, runArtifactUploadSchema)
    if (!input.ok) return input.response
    const projectId = await heldRunProject(device, runId)
    if (!projectId) return runNotFound()
    const storagePath = artifactStoragePath(projectId, runId, input.value.key)
    const { data, error } = await device.supabase.storage
      .from(RUN_ARTIFACTS_BUCKET)
      // A retried request (or step) replaces its own earlier bytes.
      .createSignedUploadUrl(storagePath, { upsert: true })
    if (error) {
      if (refusedByPolicy(error))
        return errorResponse(
          409,
          "lease_lost",
          "This device no longer holds the run, so it may not store its artifacts."
        )
      throw new UpstreamError("artifact upload URL", error)
    }

    return jsonResponse({
      upload_url: data.signedUrl,
      storage_path: storagePath,
    })
  })
}

/**
 * Storage refuses a write its policy does not allow with 403: hosted Storage puts it in the
 * body's statusCode (HTTP 400), storage-js keeps both as status and statusCode.
 */
function refusedByPolicy(error: Error): boolean {
  const fields = error as Error & { status?: unknown; statusCode?: unknown }

  return (
    Number(fields.status) === 403 ||
    Number(fields.statusCode) === 403 ||
    /row-level security/i.test(error.message)
  )
}
