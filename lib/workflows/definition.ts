import { z } from "zod"

// The definition stored in ops.workflows.definition, version 1 (docs/workflows.md). The
// database checks the same rules (private.workflow_definition_problem in
// supabase/migrations/20261203000420_workflow_definition.sql); definition.test.ts and
// supabase/tests/workflow-definition.int.test.ts hold both to the same examples.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const inputSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("string"),
    default: z.string().optional(),
    description: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal("number"),
    default: z.number().optional(),
    description: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal("boolean"),
    default: z.boolean().optional(),
    description: z.string().optional(),
  }),
])

const stepName = z
  .string()
  .trim()
  .min(1, "Give the step a name.")
  .max(100, "A step name has at most 100 characters.")

const common = {
  name: stepName,
  timeout_seconds: z
    .number()
    .int("Use whole seconds.")
    .min(1, "At least 1 second.")
    .max(86_400, "At most 86400 seconds (a day).")
    .optional(),
  continue_on_error: z.boolean().optional(),
}

export const runStepSchema = z.strictObject({
  ...common,
  run: z
    .string()
    .trim()
    .min(1, "Enter the command to run.")
    .max(10_000, "A command has at most 10000 characters."),
  env: z
    .record(
      z.string().regex(ENV_NAME, "Variable names are letters, digits and _."),
      z.string()
    )
    .optional(),
  working_directory: z.string().min(1).max(1024).optional(),
})

export const backupPostgresStepSchema = z.strictObject({
  ...common,
  uses: z.literal("backup-postgres"),
  with: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional(),
})

export const uploadArtifactStepSchema = z.strictObject({
  ...common,
  uses: z.literal("upload-artifact"),
  with: z.strictObject({
    path: z
      .string()
      .trim()
      .min(1, "Enter a file path or glob, like dist/*.tgz.")
      .max(1024),
  }),
})

export const stepSchema = z.union([
  runStepSchema,
  backupPostgresStepSchema,
  uploadArtifactStepSchema,
])

export const workflowDefinitionSchema = z
  .strictObject({
    version: z.literal(1, "version must be 1"),
    inputs: z
      .record(
        z.string().regex(IDENTIFIER, "Input names are letters, digits and _."),
        inputSchema
      )
      .optional(),
    steps: z
      .array(stepSchema)
      .min(1, "Add at least one step.")
      .max(100, "A workflow has at most 100 steps."),
  })
  .superRefine((definition, ctx) => {
    const seen = new Set<string>()
    definition.steps.forEach((step, index) => {
      if (seen.has(step.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", index, "name"],
          message: `Another step is already called "${step.name}".`,
        })
      }
      seen.add(step.name)
    })
  })

export type WorkflowDefinition = z.infer<typeof workflowDefinitionSchema>
export type WorkflowStep = z.infer<typeof stepSchema>

// Definitions written before versioning: {} or {"steps": [{"run": "…"}]}, other keys kept.
const legacyDefinitionSchema = z.looseObject({
  steps: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        run: z.string().optional(),
        uses: z.string().optional(),
      })
    )
    .optional(),
})

/**
 * A stored definition as version 1: parsed as is when it says version 1, upgraded when it
 * predates versioning (steps get a name from their position when they have none). Returns
 * null for a definition that is neither, which the editor shows as JSON only.
 */
export function readStoredDefinition(
  stored: unknown
): WorkflowDefinition | null {
  if (stored && typeof stored === "object" && "version" in stored) {
    const parsed = workflowDefinitionSchema.safeParse(stored)

    return parsed.success ? parsed.data : null
  }
  const legacy = legacyDefinitionSchema.safeParse(stored)
  if (!legacy.success) return null
  const upgraded = workflowDefinitionSchema.safeParse({
    version: 1,
    steps: (legacy.data.steps ?? []).map((step, index) =>
      step.uses
        ? { name: step.name || `Step ${index + 1}`, uses: step.uses }
        : { name: step.name || `Step ${index + 1}`, run: step.run ?? "" }
    ),
  })

  return upgraded.success ? upgraded.data : null
}

/** A validation problem placed on the JSON text: the 1-based line of the path it names. */
export type DefinitionProblem = { line: number; path: string; message: string }

/**
 * Validates JSON text as a definition and places each problem on the line of the key it
 * concerns, so the editor can show it beside that line.
 */
export function checkDefinitionText(
  text: string
):
  | { ok: true; definition: WorkflowDefinition }
  | { ok: false; problems: DefinitionProblem[] } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const position = /position (\d+)/.exec(String(error))?.[1]
    const line = position
      ? text.slice(0, Number(position)).split("\n").length
      : 1

    return {
      ok: false,
      problems: [{ line, path: "", message: "This is not valid JSON." }],
    }
  }
  const parsed = workflowDefinitionSchema.safeParse(value)
  if (parsed.success) return { ok: true, definition: parsed.data }

  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      line: lineOfPath(text, issue.path),
      path: issue.path.join("."),
      message: issue.message,
    })),
  }
}

/**
 * The line where `path` starts in pretty or compact JSON: walks the keys in order, each
 * searched after the previous one, and array indexes by counting the items' opening braces.
 * Good enough to point at a line; a path it cannot follow lands on the deepest key found.
 */
export function lineOfPath(text: string, path: readonly PropertyKey[]): number {
  let offset = 0
  for (const segment of path) {
    if (typeof segment === "number") {
      const open = text.indexOf("[", offset)
      if (open < 0) break
      let depth = 0
      let item = -1
      let found = -1
      let expectingItem = true
      for (let i = open + 1; i < text.length; i++) {
        const char = text[i] ?? ""
        if (depth === 0 && char === "]") break
        if (depth === 0 && char === ",") {
          expectingItem = true
          continue
        }
        if (expectingItem && !/\s/.test(char)) {
          expectingItem = false
          item += 1
          if (item === segment) {
            found = i
            break
          }
        }
        if (char === '"') i = skipString(text, i)
        else if (char === "{" || char === "[") depth += 1
        else if (char === "}" || char === "]") depth -= 1
      }
      if (found < 0) break
      offset = found
    } else {
      const at = text.indexOf(JSON.stringify(String(segment)), offset)
      if (at < 0) break
      offset = at
    }
  }

  return text.slice(0, offset).split("\n").length
}

function skipString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i += 1
    else if (text[i] === '"') return i
  }

  return text.length
}
