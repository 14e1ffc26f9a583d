"use client"

import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { archiveWorkflow, runWorkflowNow } from "@/lib/projects/actions"
import { can, PERMISSIONS, type ProjectRole } from "@/lib/projects/permissions"
import { type ProjectWorkflow } from "@/lib/projects/queries"
import { useAction } from "@/lib/use-action"
import { readStoredDefinition } from "@/lib/workflows/definition"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { RelativeTime } from "@/components/shared/relative-time"

import { DeniedHint } from "./denied-hint"
import { WorkflowEditorDialog } from "./workflow-editor"

export function WorkflowList({
  projectId,
  workflows,
  myRole,
  now,
}: {
  projectId: string
  workflows: ProjectWorkflow[]
  myRole: ProjectRole | null
  now: number
}) {
  return (
    <ul className="divide-y rounded-xl border" aria-label="Workflows">
      {workflows.map((workflow) => (
        <WorkflowRow
          key={workflow.id}
          projectId={projectId}
          workflow={workflow}
          myRole={myRole}
          now={now}
        />
      ))}
    </ul>
  )
}

function WorkflowRow({
  projectId,
  workflow,
  myRole,
  now,
}: {
  projectId: string
  workflow: ProjectWorkflow
  myRole: ProjectRole | null
  now: number
}) {
  const runDenied = can(myRole, "queueRuns")
    ? null
    : PERMISSIONS.queueRuns.deniedReason
  const editDenied = can(myRole, "editWorkflows")
    ? null
    : PERMISSIONS.editWorkflows.deniedReason
  const archived = workflow.archived_at !== null
  const run = useAction<{ workflowId: string }, { runId: string }>(
    runWorkflowNow,
    {
      onSuccess: () => toast.success(`Queued a run of ${workflow.name}.`),
    }
  )
  const archive = useAction<{ workflowId: string; archived: boolean }, null>(
    archiveWorkflow,
    {
      onSuccess: (_, payload) =>
        toast.success(
          `${workflow.name} was ${payload.archived ? "archived" : "restored"}.`
        ),
    }
  )
  const steps = readStoredDefinition(workflow.definition)?.steps.length

  return (
    <li className="flex flex-col gap-2 px-4 py-3 md:flex-row md:items-center">
      <div className="min-w-0 flex-1 space-y-1">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
          <span className="truncate" title={workflow.name}>
            {workflow.name}
          </span>
          <Badge variant="secondary">{workflow.kind}</Badge>
          {archived && <Badge variant="outline">Archived</Badge>}
        </p>
        <p className="flex flex-wrap gap-x-3 text-xs text-muted-foreground">
          {workflow.description && <span>{workflow.description}</span>}
          {steps !== undefined && <span>{steps} step(s)</span>}
          <span>
            Updated <RelativeTime date={workflow.updated_at} now={now} />
          </span>
        </p>
        <FormMessage tone="error">
          {formMessage(run.result) ?? formMessage(archive.result)}
        </FormMessage>
      </div>
      <div className="flex shrink-0 flex-wrap gap-2">
        <DeniedHint
          reason={archived ? "Restore the workflow to run it." : runDenied}
        >
          <Button
            size="sm"
            disabled={archived || runDenied !== null || run.isPending}
            onClick={() => run.run({ workflowId: workflow.id })}
            aria-label={`Run ${workflow.name} now`}
          >
            {run.isPending ? "Queuing…" : "Run now"}
          </Button>
        </DeniedHint>
        <WorkflowEditorDialog
          projectId={projectId}
          workflow={workflow}
          deniedReason={editDenied}
        />
        <DeniedHint reason={editDenied}>
          <Button
            size="sm"
            variant="outline"
            disabled={editDenied !== null || archive.isPending}
            onClick={() =>
              archive.run({ workflowId: workflow.id, archived: !archived })
            }
            aria-label={`${archived ? "Restore" : "Archive"} ${workflow.name}`}
          >
            {archived ? "Restore" : "Archive"}
          </Button>
        </DeniedHint>
      </div>
    </li>
  )
}
