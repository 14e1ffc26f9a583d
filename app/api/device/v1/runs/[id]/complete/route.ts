import { runCompleteSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse } from "../../../_lib/http"

/**
 * Finishes a run (complete_workflow_run), fenced: a worker that no longer holds it (lease
 * expired and re-queued, canceled, another worker's) is refused with 409 lease_lost and
 * changes nothing.
 */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("complete", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, runCompleteSchema)
    if (!input.ok) return input.response
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("complete_workflow_run", {
        p_run_id: runId,
        p_status: input.value.status,
        // supabase-js types optional SQL arguments as undefined; the function takes null.
        p_exit_code: input.value.exit_code ?? undefined,
        p_error: input.value.error ?? undefined,
        p_result: input.value.result ?? undefined,
      })
      .select("id, status, attempts, error")
      .single()
    if (error) return queueRefusal("complete_workflow_run", error)

    return jsonResponse(data)
  })
}
