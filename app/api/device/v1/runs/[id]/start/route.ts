import { runLeaseSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse } from "../../../_lib/http"

/** claimed → running (start_workflow_run), renewing the lease. */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("start", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, runLeaseSchema)
    if (!input.ok) return input.response
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("start_workflow_run", {
        p_run_id: runId,
        p_lease_seconds: input.value.lease_seconds,
      })
      .select("id, status, attempts, error")
      .single()
    if (error) return queueRefusal("start_workflow_run", error)

    return jsonResponse(data)
  })
}
