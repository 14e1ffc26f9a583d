"use client"

import * as React from "react"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import { saveWorkflow } from "@/lib/projects/actions"
import { WORKFLOW_KINDS } from "@/lib/projects/form-schema"
import { type ProjectWorkflow } from "@/lib/projects/queries"
import { useAction } from "@/lib/use-action"
import {
  checkDefinitionText,
  readStoredDefinition,
  type WorkflowDefinition,
} from "@/lib/workflows/definition"
import {
  definitionFromDraft,
  draftFromDefinition,
  draftProblems,
  type Draft,
} from "@/lib/workflows/definition-draft"
import { Button } from "@/components/ui/button"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog"
import {
  Field,
  FieldControl,
  FieldDescription,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"
import { Textarea } from "@/components/ui/textarea"
import { SubmitButton } from "@/components/auth/submit-button"

import { DeniedHint } from "./denied-hint"
import { WorkflowDefinitionForm } from "./workflow-definition-form"

const STARTER: WorkflowDefinition = {
  version: 1,
  inputs: { ref: { type: "string", default: "main" } },
  steps: [{ name: "Build", run: "npm ci && npm run build" }],
}

type WorkflowEditorProps = {
  projectId: string
  workflow?: ProjectWorkflow
  deniedReason: string | null
}

export function WorkflowEditorDialog(props: WorkflowEditorProps) {
  const [open, setOpen] = React.useState(false)
  const label = props.workflow ? "Edit" : "New workflow"

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DeniedHint reason={props.deniedReason}>
        <DialogTrigger asChild>
          <Button
            size={props.workflow ? "sm" : "default"}
            variant={props.workflow ? "secondary" : "default"}
            disabled={props.deniedReason !== null}
            aria-label={
              props.workflow ? `Edit ${props.workflow.name}` : undefined
            }
          >
            {label}
          </Button>
        </DialogTrigger>
      </DeniedHint>
      <DialogContent className="max-h-[90svh] overflow-y-auto sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>
            {props.workflow ? `Edit ${props.workflow.name}` : "New workflow"}
          </DialogTitle>
          <DialogDescription>
            The definition is checked here and again by the database
            (docs/workflows.md).
          </DialogDescription>
        </DialogHeader>
        <WorkflowForm {...props} onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  )
}

function WorkflowForm({
  projectId,
  workflow,
  onDone,
}: WorkflowEditorProps & { onDone: () => void }) {
  const initial = React.useMemo(() => {
    const stored = workflow
      ? readStoredDefinition(workflow.definition)
      : STARTER
    return JSON.stringify(stored ?? workflow?.definition ?? STARTER, null, 2)
  }, [workflow])
  const [text, setText] = React.useState(initial)
  const checked = React.useMemo(() => checkDefinitionText(text), [text])
  // The form edits a draft and writes its JSON into `text`, which is what is saved; the JSON
  // view edits `text` directly. The form opens on a definition that passes the schema (a
  // draft cannot keep keys it has no field for), so switching from JSON needs valid JSON.
  const [draft, setDraft] = React.useState<Draft | null>(() => {
    const first = checkDefinitionText(initial)
    return first.ok ? draftFromDefinition(first.definition) : null
  })
  const [view, setView] = React.useState<"form" | "json">(
    draft ? "form" : "json"
  )
  const problems = React.useMemo(
    () => (draft ? draftProblems(draft) : new Map<string, string[]>()),
    [draft]
  )
  const changeDraft = (next: Draft) => {
    setDraft(next)
    setText(JSON.stringify(definitionFromDraft(next), null, 2))
  }
  const showForm = () => {
    if (!checked.ok) return
    setDraft(draftFromDefinition(checked.definition))
    setView("form")
  }
  const { result, formAction, formRef } = useAction(saveWorkflow, {
    onSuccess: () => {
      toast.success(workflow ? "Workflow saved." : "Workflow created.")
      onDone()
    },
  })
  const lineCount = text.split("\n").length

  return (
    <form ref={formRef} action={formAction} noValidate className="space-y-4">
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <input type="hidden" name="projectId" value={projectId} />
      {workflow && (
        <input type="hidden" name="workflowId" value={workflow.id} />
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field errors={fieldError(result, "name")}>
          <FieldLabel>Name</FieldLabel>
          <FieldControl>
            <Input
              name="name"
              maxLength={100}
              defaultValue={workflow?.name}
              required
            />
          </FieldControl>
          <FieldError />
        </Field>
        <Field errors={fieldError(result, "kind")}>
          <FieldLabel>Kind</FieldLabel>
          <FieldControl>
            <select
              name="kind"
              defaultValue={workflow?.kind ?? "build"}
              className="h-9 rounded-md border border-input bg-transparent px-3 text-sm dark:bg-input/30"
            >
              {WORKFLOW_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
          </FieldControl>
          <FieldError />
        </Field>
      </div>
      <Field errors={fieldError(result, "description")}>
        <FieldLabel>Description</FieldLabel>
        <FieldControl>
          <Input
            name="description"
            maxLength={2000}
            defaultValue={workflow?.description}
          />
        </FieldControl>
        <FieldError />
      </Field>
      <div className="space-y-2">
        <div
          role="group"
          aria-label="Edit the definition as"
          className="inline-flex rounded-md border p-0.5"
        >
          <Button
            type="button"
            size="sm"
            variant={view === "form" ? "secondary" : "ghost"}
            aria-pressed={view === "form"}
            disabled={view === "json" && !checked.ok}
            onClick={showForm}
          >
            Form
          </Button>
          <Button
            type="button"
            size="sm"
            variant={view === "json" ? "secondary" : "ghost"}
            aria-pressed={view === "json"}
            onClick={() => setView("json")}
          >
            JSON
          </Button>
        </div>
        {view === "json" && !checked.ok && (
          <p className="text-xs text-muted-foreground">
            Fix the problems below to edit this definition as a form.
          </p>
        )}
      </div>
      {view === "form" && draft ? (
        <>
          <input type="hidden" name="definition" value={text} />
          <WorkflowDefinitionForm
            draft={draft}
            problems={problems}
            onChange={changeDraft}
          />
          {fieldError(result, "definition") && (
            <p className="text-sm text-destructive">
              {fieldError(result, "definition")}
            </p>
          )}
        </>
      ) : (
        <>
          {checked.ok && (
            <section
              aria-label="Steps"
              className="space-y-1 rounded-md bg-muted p-3 text-sm"
            >
              <p className="font-medium">
                {checked.definition.steps.length} step(s)
                {checked.definition.inputs &&
                  `, inputs: ${Object.keys(checked.definition.inputs).join(", ") || "none"}`}
              </p>
              <ol className="list-decimal pl-5 text-muted-foreground">
                {checked.definition.steps.map((step) => (
                  <li key={step.name}>
                    {step.name}:{" "}
                    <code>
                      {"run" in step ? step.run : `uses ${step.uses}`}
                    </code>
                  </li>
                ))}
              </ol>
            </section>
          )}
          <Field errors={fieldError(result, "definition")}>
            <FieldLabel>Definition (JSON)</FieldLabel>
            <FieldControl>
              <Textarea
                name="definition"
                value={text}
                onChange={(event) => setText(event.target.value)}
                rows={Math.min(24, Math.max(8, lineCount))}
                spellCheck={false}
                className="font-mono text-xs"
              />
            </FieldControl>
            <FieldDescription>
              version 1: inputs, and steps that run a command or use
              backup-postgres or upload-artifact.
            </FieldDescription>
            <FieldError />
          </Field>
          {!checked.ok && (
            <ul
              aria-live="polite"
              className="space-y-1 text-sm text-destructive"
            >
              {checked.problems.map((problem, index) => (
                <li key={index}>
                  Line {problem.line}
                  {problem.path && <code className="mx-1">{problem.path}</code>}
                  : {problem.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <div className="flex justify-end">
        <SubmitButton pendingLabel="Saving…" disabled={!checked.ok}>
          {workflow ? "Save workflow" : "Create workflow"}
        </SubmitButton>
      </div>
    </form>
  )
}
