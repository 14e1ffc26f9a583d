import { z } from "zod"

import { dbId } from "@/lib/db-id"
import {
  readStoredDefinition,
  type WorkflowDefinition,
} from "@/lib/workflows/definition"

type Inputs = NonNullable<WorkflowDefinition["inputs"]>
export type WorkflowInput = Inputs[string]

/** A workflow's inputs in the order its definition lists them (none for a legacy one). */
export function workflowInputs(
  definition: unknown
): [name: string, input: WorkflowInput][] {
  return Object.entries(readStoredDefinition(definition)?.inputs ?? {})
}

/**
 * The zod schema of a run's params, generated from the workflow's inputs: each input's type,
 * its default when the form leaves it empty, and nothing else (an unknown key is refused, as
 * the queue refuses it). Form values arrive as strings (FormData) or typed (a re-run).
 */
export function paramsSchemaFor(definition: unknown) {
  const shape: Record<string, z.ZodType> = {}
  for (const [name, input] of workflowInputs(definition)) {
    if (input.type === "string") {
      const base = z.string().max(10_000, "At most 10000 characters.")
      shape[name] =
        input.default !== undefined
          ? z.preprocess(
              (value) =>
                value === "" || value == null ? input.default : value,
              base
            )
          : z.preprocess(
              (value) => (value == null ? "" : value),
              base.min(1, `Enter ${name}.`)
            )
    } else if (input.type === "number") {
      shape[name] = z.preprocess(
        (value) => {
          if (value === "" || value == null) return input.default
          if (typeof value === "string") return Number(value)

          return value
        },
        z.number({ error: `Enter a number for ${name}.` }).finite()
      )
    } else {
      shape[name] = z.preprocess((value) => {
        if (value == null || value === "") return input.default ?? false
        if (value === "on" || value === "true") return true
        if (value === "false") return false

        return value
      }, z.boolean())
    }
  }

  return z.strictObject(shape)
}

export const PRIORITY_MIN = -100
export const PRIORITY_MAX = 100

export const queueRunSchema = z.object({
  workflowId: dbId,
  priority: z.coerce
    .number({ error: "Enter a priority." })
    .int("Use a whole number.")
    .min(PRIORITY_MIN, `At least ${PRIORITY_MIN}.`)
    .max(PRIORITY_MAX, `At most ${PRIORITY_MAX}.`)
    .default(0),
  params: z.record(z.string(), z.unknown()).default({}),
})
export type QueueRunInput = z.input<typeof queueRunSchema>

export const runIdSchema = z.object({ runId: dbId })

export const cancelRunSchema = z.object({
  runId: dbId,
  reason: z
    .string()
    .trim()
    .max(500, "At most 500 characters.")
    .optional()
    .transform((value) => value || undefined),
})
