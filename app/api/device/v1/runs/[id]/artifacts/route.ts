import { runArtifactSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse } from "../../../_lib/http"

/**
 * Records an artifact the worker made (name, size, sha256). Its bytes stay on the device
 * until Storage lands: storage_path is null (docs/workflows.md, "Artifacts").
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
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("add_run_artifact", {
        p_run_id: runId,
        p_key: input.value.key,
        p_size_bytes: input.value.size_bytes,
        p_sha256: input.value.sha256,
        p_content_type: input.value.content_type,
      })
      .select("id, key, size_bytes, sha256, storage_path")
      .single()
    if (error) return queueRefusal("add_run_artifact", error)

    return jsonResponse(data)
  })
}
