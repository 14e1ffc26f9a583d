import { z } from "zod"

import { type WorkflowDefinition } from "./definition"

// A run's params against its workflow's inputs (docs/workflows.md, "Inputs and params"). The
// database applies the same rules when a run is queued (private.resolve_run_params in
// supabase/migrations/20261203010000_runs_worker.sql): every param names an input and has its
// type, and an input without a default must be given. Defaults fill in what is left out.

type Inputs = NonNullable<WorkflowDefinition["inputs"]>

function valueSchema(input: Inputs[string]): z.ZodType {
  switch (input.type) {
    case "string":
      return input.default === undefined
        ? z.string()
        : z.string().default(input.default)
    case "number":
      return input.default === undefined
        ? z.number()
        : z.number().default(input.default)
    case "boolean":
      return input.default === undefined
        ? z.boolean()
        : z.boolean().default(input.default)
  }
}

/** The zod schema a run's params must pass for this definition. */
export function paramsSchemaFor(
  definition: Pick<WorkflowDefinition, "inputs">
) {
  const shape: Record<string, z.ZodType> = {}
  for (const [name, input] of Object.entries(definition.inputs ?? {})) {
    shape[name] = valueSchema(input)
  }

  return z.strictObject(shape)
}

export type ResolvedParams = Record<string, string | number | boolean>

/**
 * The params a step sees: validated and with defaults, or the problems in words a run's
 * error can carry.
 */
export function resolveParams(
  definition: Pick<WorkflowDefinition, "inputs">,
  params: unknown
): { ok: true; params: ResolvedParams } | { ok: false; problem: string } {
  const parsed = paramsSchemaFor(definition).safeParse(params ?? {})
  if (parsed.success) {
    return { ok: true, params: parsed.data as ResolvedParams }
  }

  return {
    ok: false,
    problem: parsed.error.issues
      .map((issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown input ${issue.keys.map((key) => `"${key}"`).join(", ")}`
          : `${issue.path.join(".") || "params"}: ${issue.message}`
      )
      .join("; "),
  }
}

/**
 * Params as environment variables for `run` steps: INPUT_<NAME> (upper case), like GitHub
 * Actions, so a command reads `$INPUT_REF` instead of splicing text into the shell line.
 */
export function paramsAsEnv(params: ResolvedParams): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      `INPUT_${name.toUpperCase()}`,
      String(value),
    ])
  )
}
