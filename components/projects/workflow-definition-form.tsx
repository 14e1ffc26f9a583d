"use client"

import * as React from "react"
import { ArrowDown, ArrowUp, Plus, Trash2 } from "lucide-react"

import {
  newInput,
  newStep,
  type Draft,
  type DraftInput,
  type DraftStep,
  type InputType,
  type StepKind,
} from "@/lib/workflows/definition-draft"
import { Button } from "@/components/ui/button"
import {
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { Input } from "@/components/ui/input"
import { Textarea } from "@/components/ui/textarea"

const SELECT =
  "h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm dark:bg-input/30"

const STEP_KINDS: { kind: StepKind; label: string }[] = [
  { kind: "run", label: "Run a command" },
  { kind: "backup-postgres", label: "Back up Postgres" },
  { kind: "upload-artifact", label: "Upload files" },
]

type Problems = Map<string, string[]>

/** The problems at a path and below it ("steps.0.env" also shows "steps.0.env.1BAD"). */
function problemsAt(problems: Problems, path: string): string[] {
  const found: string[] = []
  for (const [key, messages] of problems) {
    if (key === path || key.startsWith(`${path}.`)) found.push(...messages)
  }

  return found
}

function move<T>(list: T[], from: number, to: number): T[] {
  const next = [...list]
  const [item] = next.splice(from, 1)
  if (item !== undefined) next.splice(to, 0, item)

  return next
}

/**
 * A workflow definition as a form: inputs (name, type, default, description) and ordered steps
 * of the three kinds, each with its own fields. Problems from the schema appear under the field
 * they concern. The definition itself is the JSON the parent keeps; this form only edits the
 * draft it is given.
 */
export function WorkflowDefinitionForm({
  draft,
  problems,
  onChange,
}: {
  draft: Draft
  problems: Problems
  onChange: (draft: Draft) => void
}) {
  const setInput = (index: number, patch: Partial<DraftInput>) =>
    onChange({
      ...draft,
      inputs: draft.inputs.map((input, i) =>
        i === index ? { ...input, ...patch } : input
      ),
    })
  const setStep = (index: number, patch: Partial<DraftStep>) =>
    onChange({
      ...draft,
      steps: draft.steps.map((step, i) =>
        i === index ? { ...step, ...patch } : step
      ),
    })

  return (
    <div className="space-y-6">
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Inputs</legend>
        <p className="text-xs text-muted-foreground">
          Asked for when someone starts a run, whose values are checked against
          them.
        </p>
        {problemsAt(problems, "inputs")
          .filter(() => draft.inputs.length === 0)
          .map((message) => (
            <p key={message} className="text-sm text-destructive">
              {message}
            </p>
          ))}
        {draft.inputs.map((input, index) => {
          const path = `inputs.${input.name}`
          return (
            <div
              key={input.key}
              role="group"
              aria-label={`Input ${index + 1}`}
              className="grid gap-3 rounded-lg border p-3 sm:grid-cols-[1fr_8rem_1fr_auto]"
            >
              <Field errors={problems.get(path)}>
                <FieldLabel>Input name</FieldLabel>
                <FieldControl>
                  <Input
                    value={input.name}
                    maxLength={64}
                    onChange={(e) => setInput(index, { name: e.target.value })}
                  />
                </FieldControl>
                <FieldError />
              </Field>
              <Field errors={problems.get(`${path}.type`)}>
                <FieldLabel>Type</FieldLabel>
                <FieldControl>
                  <select
                    className={SELECT}
                    value={input.type}
                    onChange={(e) =>
                      setInput(index, {
                        type: e.target.value as InputType,
                        defaultValue: "",
                      })
                    }
                  >
                    <option value="string">text</option>
                    <option value="number">number</option>
                    <option value="boolean">yes / no</option>
                  </select>
                </FieldControl>
              </Field>
              <Field errors={problems.get(`${path}.default`)}>
                <FieldLabel>Default</FieldLabel>
                <FieldControl>
                  {input.type === "boolean" ? (
                    <select
                      className={SELECT}
                      value={input.defaultValue}
                      onChange={(e) =>
                        setInput(index, { defaultValue: e.target.value })
                      }
                    >
                      <option value="">none</option>
                      <option value="true">yes</option>
                      <option value="false">no</option>
                    </select>
                  ) : (
                    <Input
                      value={input.defaultValue}
                      inputMode={input.type === "number" ? "decimal" : "text"}
                      placeholder="none"
                      onChange={(e) =>
                        setInput(index, { defaultValue: e.target.value })
                      }
                    />
                  )}
                </FieldControl>
                <FieldError />
              </Field>
              <div className="flex items-end">
                <Button
                  type="button"
                  variant="ghost"
                  size="icon"
                  aria-label={`Remove input ${input.name || index + 1}`}
                  onClick={() =>
                    onChange({
                      ...draft,
                      inputs: draft.inputs.filter((_, i) => i !== index),
                    })
                  }
                >
                  <Trash2 aria-hidden="true" />
                </Button>
              </div>
              <Field
                errors={problems.get(`${path}.description`)}
                className="sm:col-span-4"
              >
                <FieldLabel>Description</FieldLabel>
                <FieldControl>
                  <Input
                    value={input.description}
                    maxLength={500}
                    onChange={(e) =>
                      setInput(index, { description: e.target.value })
                    }
                  />
                </FieldControl>
              </Field>
            </div>
          )
        })}
        <Button
          type="button"
          variant="outline"
          size="sm"
          onClick={() =>
            onChange({
              ...draft,
              inputs: [...draft.inputs, newInput(draft.inputs.length)],
            })
          }
        >
          <Plus aria-hidden="true" /> Add input
        </Button>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Steps, in order</legend>
        {draft.steps.length === 0 &&
          problemsAt(problems, "steps").map((message) => (
            <p key={message} className="text-sm text-destructive">
              {message}
            </p>
          ))}
        {draft.steps.map((step, index) => {
          const path = `steps.${index}`
          const label = `Step ${index + 1}`
          return (
            <div
              key={step.key}
              role="group"
              aria-label={label}
              className="space-y-3 rounded-lg border p-3"
            >
              <div className="flex flex-wrap items-end gap-3">
                <Field
                  errors={problems.get(`${path}.name`)}
                  className="min-w-40 flex-1"
                >
                  <FieldLabel>{label}: name</FieldLabel>
                  <FieldControl>
                    <Input
                      value={step.name}
                      maxLength={100}
                      onChange={(e) => setStep(index, { name: e.target.value })}
                    />
                  </FieldControl>
                  <FieldError />
                </Field>
                <Field className="w-44">
                  <FieldLabel>Kind</FieldLabel>
                  <FieldControl>
                    <select
                      className={SELECT}
                      value={step.kind}
                      onChange={(e) =>
                        setStep(index, { kind: e.target.value as StepKind })
                      }
                    >
                      {STEP_KINDS.map(({ kind, label: kindLabel }) => (
                        <option key={kind} value={kind}>
                          {kindLabel}
                        </option>
                      ))}
                    </select>
                  </FieldControl>
                </Field>
                <div className="flex gap-1">
                  <Button
                    type="button"
                    variant="ghost"
                    size="icon"
                    aria-label={`Move ${label} up`}
                    disabled={index === 0}
                    onClick={() =>
                      onChange({
                        ...draft,
                        steps: move(draft.steps, index, index - 1),
                      })
                    }
                  >
                    <ArrowUp aria-hidden="true" />
                  </Button>
                  <Button
                    type="button"
                    variant="ghost"
                    size="icon"
                    aria-label={`Move ${label} down`}
                    disabled={index === draft.steps.length - 1}
                    onClick={() =>
                      onChange({
                        ...draft,
                        steps: move(draft.steps, index, index + 1),
                      })
                    }
                  >
                    <ArrowDown aria-hidden="true" />
                  </Button>
                  <Button
                    type="button"
                    variant="ghost"
                    size="icon"
                    aria-label={`Remove ${label}`}
                    onClick={() =>
                      onChange({
                        ...draft,
                        steps: draft.steps.filter((_, i) => i !== index),
                      })
                    }
                  >
                    <Trash2 aria-hidden="true" />
                  </Button>
                </div>
              </div>

              {step.kind === "run" && (
                <>
                  <Field errors={problems.get(`${path}.run`)}>
                    <FieldLabel>Command</FieldLabel>
                    <FieldControl>
                      <Textarea
                        value={step.run}
                        rows={2}
                        spellCheck={false}
                        className="font-mono text-xs"
                        placeholder="npm ci && npm run build"
                        onChange={(e) =>
                          setStep(index, { run: e.target.value })
                        }
                      />
                    </FieldControl>
                    <FieldError />
                  </Field>
                  <div className="grid gap-3 sm:grid-cols-2">
                    <Field errors={problemsAt(problems, `${path}.env`)}>
                      <FieldLabel>Environment</FieldLabel>
                      <FieldControl>
                        <Textarea
                          value={step.env}
                          rows={2}
                          spellCheck={false}
                          className="font-mono text-xs"
                          placeholder="NODE_ENV=production"
                          onChange={(e) =>
                            setStep(index, { env: e.target.value })
                          }
                        />
                      </FieldControl>
                      <FieldDescription>
                        One NAME=value per line. Never secrets: a step reads
                        those from the device&apos;s own environment.
                      </FieldDescription>
                      <FieldError />
                    </Field>
                    <Field errors={problems.get(`${path}.working_directory`)}>
                      <FieldLabel>Working directory</FieldLabel>
                      <FieldControl>
                        <Input
                          value={step.workingDirectory}
                          placeholder="the run's own folder"
                          onChange={(e) =>
                            setStep(index, {
                              workingDirectory: e.target.value,
                            })
                          }
                        />
                      </FieldControl>
                      <FieldDescription>
                        Relative to the run&apos;s folder on the device.
                      </FieldDescription>
                      <FieldError />
                    </Field>
                  </div>
                </>
              )}
              {step.kind === "upload-artifact" && (
                <Field errors={problemsAt(problems, `${path}.with`)}>
                  <FieldLabel>Files</FieldLabel>
                  <FieldControl>
                    <Input
                      value={step.path}
                      placeholder="dist/*.tgz"
                      onChange={(e) => setStep(index, { path: e.target.value })}
                    />
                  </FieldControl>
                  <FieldDescription>A file path or a glob.</FieldDescription>
                  <FieldError />
                </Field>
              )}
              {step.kind === "backup-postgres" && (
                <Field errors={problemsAt(problems, `${path}.with`)}>
                  <FieldLabel>Settings</FieldLabel>
                  <FieldControl>
                    <Textarea
                      value={step.settings}
                      rows={2}
                      spellCheck={false}
                      className="font-mono text-xs"
                      placeholder="database=docs"
                      onChange={(e) =>
                        setStep(index, { settings: e.target.value })
                      }
                    />
                  </FieldControl>
                  <FieldDescription>
                    One setting=value per line. The connection string stays in
                    the device&apos;s own config (docs/workflows.md).
                  </FieldDescription>
                  <FieldError />
                </Field>
              )}

              <div className="flex flex-wrap items-end gap-4">
                <Field
                  errors={problems.get(`${path}.timeout_seconds`)}
                  className="w-40"
                >
                  <FieldLabel>Timeout (seconds)</FieldLabel>
                  <FieldControl>
                    <Input
                      value={step.timeoutSeconds}
                      inputMode="numeric"
                      placeholder="default"
                      onChange={(e) =>
                        setStep(index, { timeoutSeconds: e.target.value })
                      }
                    />
                  </FieldControl>
                  <FieldError />
                </Field>
                <label className="flex items-center gap-2 pb-2 text-sm">
                  <input
                    type="checkbox"
                    checked={step.continueOnError}
                    onChange={(e) =>
                      setStep(index, { continueOnError: e.target.checked })
                    }
                  />
                  Continue if this step fails
                </label>
              </div>
              {problemsAt(problems, path)
                .filter(
                  (message) =>
                    ![
                      "name",
                      "run",
                      "env",
                      "working_directory",
                      "with",
                      "timeout_seconds",
                    ].some((field) =>
                      problemsAt(problems, `${path}.${field}`).includes(message)
                    )
                )
                .map((message) => (
                  <p key={message} className="text-sm text-destructive">
                    {message}
                  </p>
                ))}
            </div>
          )
        })}
        <div className="flex flex-wrap gap-2">
          {STEP_KINDS.map(({ kind, label }) => (
            <Button
              key={kind}
              type="button"
              variant="outline"
              size="sm"
              onClick={() =>
                onChange({
                  ...draft,
                  steps: [...draft.steps, newStep(kind, draft.steps.length)],
                })
              }
            >
              <Plus aria-hidden="true" /> {label}
            </Button>
          ))}
        </div>
      </fieldset>
    </div>
  )
}
