import { runEventSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse } from "../../../_lib/http"

/** Records a step start or end, or a note (append_run_event; lifecycle kinds are refused). */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("events", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, runEventSchema)
    if (!input.ok) return input.response
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("append_run_event", {
        p_run_id: runId,
        p_kind: input.value.kind,
        p_message: input.value.message,
        p_data: input.value.data,
      })
    if (error) return queueRefusal("append_run_event", error)

    return jsonResponse({ id: data })
  })
}
