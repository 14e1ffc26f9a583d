"use client"

import * as React from "react"
import { useRouter } from "next/navigation"
import { Plus } from "lucide-react"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { createProject } from "@/lib/projects/actions"
import { useAction } from "@/lib/use-action"
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

export function CreateProjectDialog() {
  const [open, setOpen] = React.useState(false)

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>
          <Plus aria-hidden="true" />
          New project
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New project</DialogTitle>
          <DialogDescription>
            You become its owner and can invite people next.
          </DialogDescription>
        </DialogHeader>
        <CreateProjectForm />
      </DialogContent>
    </Dialog>
  )
}

function CreateProjectForm() {
  const router = useRouter()
  const { result, formAction, formRef } = useAction(createProject, {
    onSuccess: (data) => router.push(`/projects/${data.slug}`),
  })

  return (
    <form ref={formRef} action={formAction} className="space-y-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <Field errors={fieldError(result, "name")}>
        <FieldLabel>Name</FieldLabel>
        <FieldControl>
          <Input
            name="name"
            required
            maxLength={100}
            defaultValue={failedValue(result, "name")}
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
            placeholder="made from the name"
            defaultValue={failedValue(result, "slug")}
          />
        </FieldControl>
        <FieldDescription>
          The project&apos;s address: /projects/your-slug. Lower-case letters,
          digits and hyphens.
        </FieldDescription>
        <FieldError />
      </Field>
      <Field errors={fieldError(result, "description")}>
        <FieldLabel>Description</FieldLabel>
        <FieldControl>
          <Textarea
            name="description"
            maxLength={2000}
            rows={3}
            defaultValue={failedValue(result, "description")}
          />
        </FieldControl>
        <FieldError />
      </Field>
      <div className="flex justify-end">
        <SubmitButton pendingLabel="Creating…">Create project</SubmitButton>
      </div>
    </form>
  )
}
