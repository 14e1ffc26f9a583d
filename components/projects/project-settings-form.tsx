"use client"

import { useRouter } from "next/navigation"
import { toast } from "sonner"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { deleteProject, updateProject } from "@/lib/projects/actions"
import { can, PERMISSIONS, type ProjectRole } from "@/lib/projects/permissions"
import { type ProjectSummary } from "@/lib/projects/queries"
import { useAction } from "@/lib/use-action"
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

export function ProjectSettingsForm({
  project,
  myRole,
}: {
  project: ProjectSummary
  myRole: ProjectRole | null
}) {
  const router = useRouter()
  const denied = can(myRole, "editSettings")
    ? null
    : PERMISSIONS.editSettings.deniedReason
  const { result, formAction, formRef } = useAction(updateProject, {
    onSuccess: (data) => {
      toast.success("Settings saved.")
      if (data.slug !== project.slug)
        router.replace(`/projects/${data.slug}/settings`)
    },
  })

  return (
    <section
      aria-labelledby="settings-heading"
      className="space-y-4 rounded-xl border p-4"
    >
      <h2 id="settings-heading" className="text-lg font-semibold">
        Project settings
      </h2>
      <form ref={formRef} action={formAction} noValidate className="space-y-4">
        <FormMessage tone="error">{formMessage(result)}</FormMessage>
        <input type="hidden" name="projectId" value={project.id} />
        <fieldset disabled={denied !== null} className="space-y-4">
          <Field errors={fieldError(result, "name")}>
            <FieldLabel>Name</FieldLabel>
            <FieldControl>
              <Input
                name="name"
                maxLength={100}
                defaultValue={failedValue(result, "name") ?? project.name}
              />
            </FieldControl>
            <FieldError />
          </Field>
          <Field errors={fieldError(result, "slug")}>
            <FieldLabel>Slug</FieldLabel>
            <FieldControl>
              <Input
                name="slug"
                maxLength={48}
                defaultValue={failedValue(result, "slug") ?? project.slug}
              />
            </FieldControl>
            <FieldDescription>
              Changing it changes the project&apos;s address; old links stop
              working.
            </FieldDescription>
            <FieldError />
          </Field>
          <Field errors={fieldError(result, "description")}>
            <FieldLabel>Description</FieldLabel>
            <FieldControl>
              <Textarea
                name="description"
                rows={3}
                maxLength={2000}
                defaultValue={
                  failedValue(result, "description") ?? project.description
                }
              />
            </FieldControl>
            <FieldError />
          </Field>
        </fieldset>
        <DeniedHint reason={denied}>
          <SubmitButton pendingLabel="Saving…" disabled={denied !== null}>
            Save settings
          </SubmitButton>
        </DeniedHint>
      </form>
    </section>
  )
}

export function DeleteProjectForm({
  project,
  myRole,
}: {
  project: ProjectSummary
  myRole: ProjectRole | null
}) {
  const router = useRouter()
  const denied = can(myRole, "deleteProject")
    ? null
    : PERMISSIONS.deleteProject.deniedReason
  const { result, formAction, formRef } = useAction(deleteProject, {
    onSuccess: () => {
      toast.success(`${project.name} was deleted.`)
      router.push("/projects")
    },
  })

  return (
    <section
      aria-labelledby="delete-heading"
      className="space-y-4 rounded-xl border border-destructive/40 p-4"
    >
      <h2 id="delete-heading" className="text-lg font-semibold">
        Delete this project
      </h2>
      <p className="text-sm text-muted-foreground">
        Deletes its workflows, runs with their logs and artifacts, invitations
        and memberships. The audit log keeps its entries without the project.
        This cannot be undone.
      </p>
      <form ref={formRef} action={formAction} noValidate className="space-y-4">
        <FormMessage tone="error">{formMessage(result)}</FormMessage>
        <input type="hidden" name="projectId" value={project.id} />
        <input type="hidden" name="slug" value={project.slug} />
        <Field errors={fieldError(result, "confirm")}>
          <FieldLabel>
            Type <code className="font-mono">{project.slug}</code> to confirm
          </FieldLabel>
          <FieldControl>
            <Input
              name="confirm"
              autoComplete="off"
              disabled={denied !== null}
            />
          </FieldControl>
          <FieldError />
        </Field>
        <DeniedHint reason={denied}>
          <SubmitButton
            variant="destructive"
            pendingLabel="Deleting…"
            disabled={denied !== null}
          >
            Delete project
          </SubmitButton>
        </DeniedHint>
      </form>
    </section>
  )
}
