import {
  backupPostgresStepSchema,
  runStepSchema,
  uploadArtifactStepSchema,
  workflowDefinitionSchema,
  type WorkflowDefinition,
} from "./definition"

// The workflow form's editable copy of a definition. A draft holds what the person is typing,
// valid or not (an empty command, "abc" as a timeout), so every field is text; the JSON it
// becomes is checked by the same schema as the JSON view (checkDefinitionText), and problems
// are shown beside the fields their paths name.

export type InputType = "string" | "number" | "boolean"

export type DraftInput = {
  /** A stable React key: names change while typed. */
  key: string
  name: string
  type: InputType
  /** Empty for no default; "true"/"false" for booleans. */
  defaultValue: string
  description: string
}

export type StepKind = "run" | "backup-postgres" | "upload-artifact"

export type DraftStep = {
  key: string
  kind: StepKind
  name: string
  /** run: the command. */
  run: string
  /** run: one NAME=value per line. */
  env: string
  workingDirectory: string
  /** Whole seconds, or empty for the default. */
  timeoutSeconds: string
  continueOnError: boolean
  /** upload-artifact: the file path or glob. */
  path: string
  /** backup-postgres: one setting=value per line. */
  settings: string
}

export type Draft = { inputs: DraftInput[]; steps: DraftStep[] }

let nextKey = 0
/** A fresh key for a row added in the form. */
export const newKey = () => `k${nextKey++}`

export function newStep(kind: StepKind, index: number): DraftStep {
  return {
    key: newKey(),
    kind,
    name: `Step ${index + 1}`,
    run: "",
    env: "",
    workingDirectory: "",
    timeoutSeconds: "",
    continueOnError: false,
    path: "",
    settings: "",
  }
}

export function newInput(index: number): DraftInput {
  return {
    key: newKey(),
    name: `input_${index + 1}`,
    type: "string",
    defaultValue: "",
    description: "",
  }
}

const lines = (record: Record<string, string | number | boolean> | undefined) =>
  Object.entries(record ?? {})
    .map(([name, value]) => `${name}=${String(value)}`)
    .join("\n")

/** A valid definition as a draft (the form opens only on a definition that passes the schema). */
export function draftFromDefinition(definition: WorkflowDefinition): Draft {
  return {
    inputs: Object.entries(definition.inputs ?? {}).map(([name, input]) => ({
      key: newKey(),
      name,
      type: input.type,
      defaultValue: input.default === undefined ? "" : String(input.default),
      description: input.description ?? "",
    })),
    steps: definition.steps.map((step, index) => {
      const base = newStep("run", index)
      const common = {
        ...base,
        name: step.name,
        timeoutSeconds: step.timeout_seconds?.toString() ?? "",
        continueOnError: step.continue_on_error ?? false,
      }
      if ("run" in step) {
        return {
          ...common,
          run: step.run,
          env: lines(step.env),
          workingDirectory: step.working_directory ?? "",
        }
      }
      if (step.uses === "upload-artifact") {
        return { ...common, kind: "upload-artifact", path: step.with.path }
      }

      return { ...common, kind: "backup-postgres", settings: lines(step.with) }
    }),
  }
}

/**
 * "NAME=value" lines as an object; a line without "=" keeps its whole text as the name with an
 * empty value, so the schema names the bad key instead of the line vanishing.
 */
export function parseLines(text: string): Record<string, string> {
  const record: Record<string, string> = {}
  for (const line of text.split("\n")) {
    if (!line.trim()) continue
    const at = line.indexOf("=")
    if (at < 0) record[line.trim()] = ""
    else record[line.slice(0, at).trim()] = line.slice(at + 1)
  }

  return record
}

/** Numbers and booleans in backup settings are typed as the schema allows them to be. */
function typedSetting(value: string): string | number | boolean {
  if (value === "true") return true
  if (value === "false") return false
  if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value)

  return value
}

/** A timeout as typed: a number when it reads as one, else the text (which the schema refuses). */
function typedNumber(text: string): number | string | undefined {
  if (!text.trim()) return undefined
  const value = Number(text)

  return Number.isFinite(value) ? value : text
}

function typedDefault(input: DraftInput): unknown {
  if (input.defaultValue === "") return undefined
  if (input.type === "boolean") return input.defaultValue === "true"
  if (input.type === "number") return typedNumber(input.defaultValue)

  return input.defaultValue
}

/** The JSON value a draft stands for, in the definition's own key order. */
export function definitionFromDraft(draft: Draft): unknown {
  const inputs: Record<string, unknown> = {}
  for (const input of draft.inputs) {
    inputs[input.name] = {
      type: input.type,
      ...(typedDefault(input) !== undefined
        ? { default: typedDefault(input) }
        : {}),
      ...(input.description ? { description: input.description } : {}),
    }
  }

  return {
    version: 1,
    ...(draft.inputs.length ? { inputs } : {}),
    steps: draft.steps.map((step) => {
      const common = {
        name: step.name,
        ...(typedNumber(step.timeoutSeconds) !== undefined
          ? { timeout_seconds: typedNumber(step.timeoutSeconds) }
          : {}),
        ...(step.continueOnError ? { continue_on_error: true } : {}),
      }
      if (step.kind === "upload-artifact") {
        return { ...common, uses: "upload-artifact", with: { path: step.path } }
      }
      if (step.kind === "backup-postgres") {
        const settings = Object.entries(parseLines(step.settings))
        return {
          ...common,
          uses: "backup-postgres",
          ...(settings.length
            ? {
                with: Object.fromEntries(
                  settings.map(([name, value]) => [name, typedSetting(value)])
                ),
              }
            : {}),
        }
      }
      const env = parseLines(step.env)

      return {
        ...common,
        run: step.run,
        ...(Object.keys(env).length ? { env } : {}),
        ...(step.workingDirectory
          ? { working_directory: step.workingDirectory }
          : {}),
      }
    }),
  }
}

const STEP_SCHEMAS = {
  run: runStepSchema,
  "backup-postgres": backupPostgresStepSchema,
  "upload-artifact": uploadArtifactStepSchema,
} as const

/**
 * The schema's problems with a draft, by the dotted path of the field they concern
 * ("steps.0.run", "inputs.ref.default"). The schema knows a step only as "one of three
 * shapes", so it would blame the whole step; the form knows which kind the person chose, so
 * each step is checked against that kind's schema and its problems land on its fields.
 */
export function draftProblems(draft: Draft): Map<string, string[]> {
  const value = definitionFromDraft(draft) as { steps: unknown[] }
  const problems = new Map<string, string[]>()
  const add = (path: PropertyKey[], message: string) => {
    const key = path.map(String).join(".")
    problems.set(key, [...(problems.get(key) ?? []), message])
  }
  const whole = workflowDefinitionSchema.safeParse(value)
  if (!whole.success) {
    for (const issue of whole.error.issues) {
      const isStepShape =
        issue.code === "invalid_union" &&
        issue.path.length === 2 &&
        issue.path[0] === "steps"
      if (!isStepShape) add(issue.path, issue.message)
    }
  }
  value.steps.forEach((step, index) => {
    const kind = draft.steps[index]?.kind ?? "run"
    const parsed = STEP_SCHEMAS[kind].safeParse(step)
    if (parsed.success) return
    for (const issue of parsed.error.issues) {
      add(["steps", index, ...issue.path], issue.message)
    }
  })

  return problems
}
