import { runArtifactSchema } from "@/lib/devices/runs-schema"

import {
  artifactStoragePath,
  heldRunProject,
  RUN_ARTIFACTS_BUCKET,
} from "../../_lib/artifacts"
import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { errorResponse, jsonResponse, UpstreamError } from "../../../_lib/http"

/**
 * Records an artifact the worker made (name, size, sha256). With `uploaded: true` its bytes
 * are in Storage at the path the upload route signed, and the row points there once Storage
 * confirms an object of the stated size; otherwise the row has no storage_path (the bytes
 * stayed on the device). docs/workflows.md, "Artifacts".
 */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("artifacts", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, runArtifactSchema)
    if (!input.ok) return input.response
    const { key, size_bytes, sha256, content_type, uploaded } = input.value

    let storagePath: string | null = null
    if (uploaded) {
      const projectId = await heldRunProject(device, runId)
      if (!projectId) return runNotFound()
      storagePath = artifactStoragePath(projectId, runId, key)
      const { data, error } = await device.supabase.storage
        .from(RUN_ARTIFACTS_BUCKET)
        .info(storagePath)
      const stored = error ? null : data
      if (
        error &&
        !/not.?found|NoSuchKey/i.test(`${error.name} ${error.message}`)
      )
        throw new UpstreamError("artifact info", error)
      if (!stored || Number(stored.size) !== size_bytes)
        return errorResponse(
          422,
          "artifact_not_uploaded",
          stored
            ? `Storage holds ${String(stored.size)} bytes for ${key}, not ${size_bytes}: upload it again.`
            : `Storage has no bytes for ${key}: upload them first (POST …/artifacts/upload).`
        )
    }

    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("add_run_artifact", {
        p_run_id: runId,
        p_key: key,
        p_size_bytes: size_bytes,
        p_sha256: sha256,
        p_content_type: content_type,
        ...(storagePath ? { p_storage_path: storagePath } : {}),
      })
      .select("id, key, size_bytes, sha256, storage_path")
      .single()
    if (error) return queueRefusal("add_run_artifact", error)

    return jsonResponse(data)
  })
}
