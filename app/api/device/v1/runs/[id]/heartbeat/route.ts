import { z } from "zod"

import { runLeaseSchema } from "@/lib/devices/runs-schema"

import {
  queueRefusal,
  readBody,
  runIdOf,
  runNotFound,
  runsRequest,
} from "../../_lib/runs"
import { jsonResponse, UpstreamError } from "../../../_lib/http"

/**
 * Renews the lease (heartbeat_run_lease). A run canceled in the console answers 200 with
 * `canceled: true`, so the worker stops it and records how (runs/[id]/stopped); a lease
 * lost any other way is 409 lease_lost: stop, and do not complete.
 */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string }> }
) {
  return runsRequest("heartbeat", request, async (device) => {
    const runId = await runIdOf(params)
    if (!runId) return runNotFound()
    const input = await readBody(request, runLeaseSchema)
    if (!input.ok) return input.response
    const { data, error } = await device.supabase
      .schema("ops")
      .rpc("heartbeat_run_lease", {
        p_run_id: runId,
        p_lease_seconds: input.value.lease_seconds,
      })
    if (!error) {
      return jsonResponse({
        lease_expires_at: z.string().parse(data),
        canceled: false,
      })
    }
    if (error.code === "PT409") {
      const { data: run, error: readError } = await device.supabase
        .schema("ops")
        .from("runs")
        .select("status, claimed_by")
        .eq("id", runId)
        .maybeSingle()
      if (readError)
        throw new UpstreamError("run after refused heartbeat", readError)
      if (run?.status === "canceled" && run.claimed_by === device.id) {
        return jsonResponse({ lease_expires_at: null, canceled: true })
      }
    }

    return queueRefusal("heartbeat_run_lease", error)
  })
}
