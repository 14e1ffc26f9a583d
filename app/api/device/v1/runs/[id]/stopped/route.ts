import { z } from "zod"

import { runLogLineSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse } from "../../../_lib/http"

const stoppedSchema = z.strictObject({
  lines: z
    .array(runLogLineSchema.omit({ at: true }))
    .max(100)
    .default([]),
  data: z.record(z.string(), z.json()).default({}),
})

/**
 * After a cancel: the worker's closing log lines and a worker.stopped event (signal, how long
 * the step took to stop), once (ops.record_run_stopped).
 */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("stopped", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, stoppedSchema)
    if (!input.ok) return input.response
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("record_run_stopped", {
        p_run_id: runId,
        p_lines: input.value.lines,
        p_data: input.value.data,
      })
    if (error) return queueRefusal("record_run_stopped", error)

    return jsonResponse({ id: data })
  })
}
