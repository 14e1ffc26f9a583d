import { z } from "zod"

import { runLogAppendSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  RUN_LOG_BODY_LIMIT_BYTES,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse } from "../../../_lib/http"

const appendedSchema = z.array(
  z.object({ first_line_no: z.int(), last_line_no: z.int() })
)

/** Appends a batch of log lines as written (ANSI colours and ::group:: markers kept). */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("logs", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(
      request,
      runLogAppendSchema,
      RUN_LOG_BODY_LIMIT_BYTES
    )
    if (!input.ok) return input.response
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("append_run_log", { p_run_id: runId, p_lines: input.value.lines })
    if (error) return queueRefusal("append_run_log", error)

    return jsonResponse(appendedSchema.parse(data)[0])
  })
}
