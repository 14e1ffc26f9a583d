"use server"

import { z } from "zod"

import { fail, invalid, ok, type ActionResult } from "@/lib/action-result"
import { PERMISSIONS } from "@/lib/projects/permissions"
import { createClient } from "@/lib/supabase/server"

import {
  cancelRunSchema,
  paramsSchemaFor,
  queueRunSchema,
  runIdSchema,
} from "./form-schema"

const FAILED = "Could not reach the queue. Try again in a moment."
const NOT_FOUND =
  "That run or workflow no longer exists, or it is not in your projects."

type DbError = { code?: string; message: string }

/**
 * The queue's refusals as copy. Its functions raise messages written for people
 * (supabase/migrations/20261122000640_run_queue.sql): a role refusal becomes the permission
 * table's reason, "not found" ours, and the state machine's and the queue's own texts (an
 * archived workflow, a finished run) pass through.
 */
function queueRefusal(error: DbError): string {
  if (error.code === "42501") return PERMISSIONS.queueRuns.deniedReason
  if (error.code === "PT404") return NOT_FOUND
  if (error.code === "22023" || error.code === "23514") return error.message

  return FAILED
}

/** Queues a run of a workflow: params checked against its inputs here, roles by the RPC. */
export async function queueRun(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string }>> {
  const parsed = queueRunSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { workflowId, priority, params } = parsed.data

  const supabase = await createClient()
  const { data: workflow, error: readError } = await supabase
    .schema("ops")
    .from("workflows")
    .select("id, definition, archived_at")
    .eq("id", workflowId)
    .maybeSingle()
  if (readError) {
    console.error(
      `[runs] queue read failed: ${readError.code} ${readError.message}`
    )
    return fail(FAILED)
  }
  if (!workflow) return fail(NOT_FOUND)
  const checked = paramsSchemaFor(workflow.definition).safeParse(params)
  if (!checked.success) {
    // Field errors keyed by input name, under "params." so they never collide with ours.
    const errors: Record<string, string[]> = {}
    for (const issue of checked.error.issues) {
      const key = `params.${issue.path.join(".") || "_"}`
      ;(errors[key] ??= []).push(
        issue.code === "unrecognized_keys"
          ? `This workflow has no input called ${issue.keys.join(", ")}.`
          : issue.message
      )
    }

    return fail("Check the inputs.", { errors })
  }

  const { data, error } = await supabase.schema("ops").rpc("queue_run", {
    p_workflow_id: workflowId,
    p_params: z.record(z.string(), z.json()).parse(checked.data),
    p_priority: priority,
  })
  if (error) {
    console.error(`[runs] queue failed: ${error.code} ${error.message}`)
    return fail(queueRefusal(error))
  }

  return ok({ id: data.id })
}

/** Cancels a queued, claimed or running run; the worker hears it through Realtime. */
export async function cancelRun(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string; status: string }>> {
  const parsed = cancelRunSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)

  const supabase = await createClient()
  const { data, error } = await supabase.schema("ops").rpc("cancel_run", {
    p_run_id: parsed.data.runId,
    p_reason: parsed.data.reason,
  })
  if (error) {
    console.error(`[runs] cancel failed: ${error.code} ${error.message}`)
    return fail(queueRefusal(error))
  }

  return ok({ id: data.id, status: data.status })
}

/** Queues a finished run again with the same inputs and priority (ops.rerun links the two). */
export async function rerunRun(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string }>> {
  const parsed = runIdSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)

  const supabase = await createClient()
  const { data, error } = await supabase
    .schema("ops")
    .rpc("rerun", { p_run_id: parsed.data.runId })
  if (error) {
    console.error(`[runs] rerun failed: ${error.code} ${error.message}`)
    return fail(queueRefusal(error))
  }

  return ok({ id: data.id })
}
