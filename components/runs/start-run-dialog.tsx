"use client"

import * as React from "react"
import { useRouter } from "next/navigation"
import { useQueryClient } from "@tanstack/react-query"
import { Play } from "lucide-react"
import { toast } from "sonner"

import { fieldError, formMessage } from "@/lib/action-result"
import { can, PERMISSIONS } from "@/lib/projects/permissions"
import { queueRun } from "@/lib/runs/actions"
import {
  PRIORITY_MAX,
  PRIORITY_MIN,
  workflowInputs,
  type QueueRunInput,
} from "@/lib/runs/form-schema"
import { type StartableWorkflow } from "@/lib/runs/queries"
import { runKeys } from "@/lib/runs/query-options"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
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

export type ProjectRoleOption = { id: string; role: string }

type StartRunDialogProps = {
  userId: string
  workflows: StartableWorkflow[]
  projects: ProjectRoleOption[]
  /** A re-run with changed inputs starts from the old run's workflow, params and priority. */
  initial?: {
    workflowId: string
    params: Record<string, unknown>
    priority: number
  }
  label?: string
  variant?: React.ComponentProps<typeof Button>["variant"]
}

const SELECT_CLASS =
  "h-9 w-full min-w-0 rounded-md border border-input bg-transparent px-3 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 dark:bg-input/30"

/**
 * "Run workflow": developers and above pick a workflow of their projects, fill its inputs
 * (a form generated from the definition) and a priority. Viewers see the button disabled with
 * the reason; the queue's RPC decides either way (docs/runs.md).
 */
export function StartRunDialog({
  label = "Run workflow",
  variant = "default",
  ...props
}: StartRunDialogProps) {
  const [open, setOpen] = React.useState(false)
  const reasonId = React.useId()
  const roles = new Map(
    props.projects.map((project) => [project.id, project.role])
  )
  const allowed = props.workflows.filter((workflow) =>
    can(
      roles.get(workflow.project_id) as Parameters<typeof can>[0],
      "queueRuns"
    )
  )
  const disabledReason =
    allowed.length > 0
      ? null
      : props.workflows.length === 0
        ? "Your projects have no workflows to run yet."
        : PERMISSIONS.queueRuns.deniedReason

  return (
    <div className="flex flex-col items-end gap-1">
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogTrigger asChild>
          <Button
            variant={variant}
            disabled={disabledReason !== null}
            aria-describedby={disabledReason ? reasonId : undefined}
          >
            <Play aria-hidden="true" />
            {label}
          </Button>
        </DialogTrigger>
        <DialogContent className="max-h-[90dvh] overflow-y-auto">
          {/* Mounted while open only, so each opening starts without the last answer. */}
          <StartRunForm
            {...props}
            workflows={allowed}
            onDone={() => setOpen(false)}
          />
        </DialogContent>
      </Dialog>
      {disabledReason ? (
        <p
          id={reasonId}
          className="max-w-xs text-right text-xs text-muted-foreground"
        >
          {disabledReason}
        </p>
      ) : null}
    </div>
  )
}

function StartRunForm({
  userId,
  workflows,
  initial,
  onDone,
}: StartRunDialogProps & { onDone: () => void }) {
  const router = useRouter()
  const queryClient = useQueryClient()
  const [workflowId, setWorkflowId] = React.useState(
    initial?.workflowId && workflows.some((w) => w.id === initial.workflowId)
      ? initial.workflowId
      : (workflows[0]?.id ?? "")
  )
  const workflow = workflows.find((candidate) => candidate.id === workflowId)
  const inputs = workflow ? workflowInputs(workflow.definition) : []
  const { result, run, isPending, formRef } = useAction(
    (previous: unknown, input: QueueRunInput) => queueRun(previous, input),
    {
      onSuccess: (data) => {
        void queryClient.invalidateQueries({ queryKey: runKeys.user(userId) })
        toast.success("Run queued")
        onDone()
        router.push(`/runs/${data.id}`)
      },
    }
  )

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const params: Record<string, unknown> = {}
    for (const [name, input] of inputs) {
      params[name] =
        input.type === "boolean"
          ? form.get(`params.${name}`) === "on"
          : String(form.get(`params.${name}`) ?? "")
    }
    run({
      workflowId,
      priority: String(form.get("priority") ?? "0"),
      params,
    })
  }
  const initialValue = (name: string) =>
    initial && initial.workflowId === workflowId
      ? initial.params[name]
      : undefined

  return (
    <form
      ref={formRef}
      onSubmit={handleSubmit}
      className="grid gap-4"
      noValidate
    >
      <DialogHeader>
        <DialogTitle>Run a workflow</DialogTitle>
        <DialogDescription>
          The run joins its project&apos;s queue; a worker for the project picks
          it up.
        </DialogDescription>
      </DialogHeader>
      <Field errors={fieldError(result, "workflowId")}>
        <FieldLabel>Workflow</FieldLabel>
        <FieldControl>
          <select
            name="workflowId"
            value={workflowId}
            onChange={(event) => setWorkflowId(event.target.value)}
            className={SELECT_CLASS}
          >
            {workflows.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.project.name} / {candidate.name}
              </option>
            ))}
          </select>
        </FieldControl>
        {workflow?.description ? (
          <FieldDescription className="line-clamp-3 break-words">
            {workflow.description}
          </FieldDescription>
        ) : null}
        <FieldError />
      </Field>
      {inputs.map(([name, input]) => {
        const value = initialValue(name)
        const errors = fieldError(result, `params.${name}`)

        return input.type === "boolean" ? (
          <Field
            key={`${workflowId}-${name}`}
            orientation="horizontal"
            errors={errors}
          >
            <FieldControl>
              <input
                type="checkbox"
                name={`params.${name}`}
                defaultChecked={
                  typeof value === "boolean" ? value : (input.default ?? false)
                }
                className="size-4"
              />
            </FieldControl>
            <FieldLabel className="break-all">{name}</FieldLabel>
            {input.description ? (
              <FieldDescription>{input.description}</FieldDescription>
            ) : null}
            <FieldError />
          </Field>
        ) : (
          <Field key={`${workflowId}-${name}`} errors={errors}>
            <FieldLabel className="break-all">{name}</FieldLabel>
            <FieldControl>
              <Input
                name={`params.${name}`}
                type={input.type === "number" ? "number" : "text"}
                step={input.type === "number" ? "any" : undefined}
                defaultValue={
                  value !== undefined && value !== null
                    ? String(value)
                    : input.default !== undefined
                      ? String(input.default)
                      : ""
                }
                placeholder={
                  input.default === undefined ? "Required" : undefined
                }
                autoComplete="off"
              />
            </FieldControl>
            {input.description ? (
              <FieldDescription>{input.description}</FieldDescription>
            ) : null}
            <FieldError />
          </Field>
        )
      })}
      <Field errors={fieldError(result, "priority")}>
        <FieldLabel>Priority</FieldLabel>
        <FieldControl>
          <Input
            name="priority"
            type="number"
            min={PRIORITY_MIN}
            max={PRIORITY_MAX}
            step={1}
            defaultValue={initial?.priority ?? 0}
          />
        </FieldControl>
        <FieldDescription>
          Higher runs first; equal priorities run in the order they were queued.
        </FieldDescription>
        <FieldError />
      </Field>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={isPending || !workflow}>
          {isPending ? "Queuing…" : "Queue run"}
        </Button>
      </DialogFooter>
    </form>
  )
}
