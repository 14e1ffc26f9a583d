"use client"

import * as React from "react"

import { failedValue, fieldError, formMessage } from "@/lib/action-result"
import { inviteMember } from "@/lib/projects/actions"
import {
  assignableRoles,
  can,
  PERMISSIONS,
  ROLE_LABELS,
  type ProjectRole,
} from "@/lib/projects/permissions"
import { useAction } from "@/lib/use-action"
import {
  Field,
  FieldControl,
  FieldError,
  FieldLabel,
} from "@/components/ui/field"
import { FormMessage } from "@/components/ui/form-message"
import { Input } from "@/components/ui/input"
import { SubmitButton } from "@/components/auth/submit-button"

import { DeniedHint } from "./denied-hint"

export function InviteForm({
  projectId,
  myRole,
}: {
  projectId: string
  myRole: ProjectRole | null
}) {
  const denied = can(myRole, "inviteMembers")
    ? null
    : PERMISSIONS.inviteMembers.deniedReason
  const roles = assignableRoles(myRole)
  const [notice, setNotice] = React.useState<string | null>(null)
  const { result, formAction, formRef } = useAction(inviteMember, {
    onSuccess: (data) => {
      const message = data.emailSent
        ? `Invitation sent to ${data.email}.`
        : `Invitation created for ${data.email}, but the email could not be sent: resend it from the list.`
      setNotice(message)
      formRef.current?.reset()
    },
  })

  return (
    <section
      aria-labelledby="invite-heading"
      className="space-y-3 rounded-xl border p-4"
    >
      <h2 id="invite-heading" className="text-lg font-semibold">
        Invite someone
      </h2>
      <form
        ref={formRef}
        action={formAction}
        noValidate
        className="flex flex-col gap-3 md:flex-row md:items-end"
      >
        <input type="hidden" name="projectId" value={projectId} />
        <Field errors={fieldError(result, "email")} className="flex-1">
          <FieldLabel>Email</FieldLabel>
          <FieldControl>
            <Input
              name="email"
              type="email"
              autoComplete="off"
              required
              disabled={denied !== null}
              defaultValue={failedValue(result, "email")}
            />
          </FieldControl>
          <FieldError />
        </Field>
        <Field errors={fieldError(result, "role")}>
          <FieldLabel>Role</FieldLabel>
          <FieldControl>
            <select
              name="role"
              disabled={denied !== null}
              defaultValue={failedValue(result, "role") ?? "developer"}
              className="h-9 rounded-md border border-input bg-transparent px-3 text-sm shadow-xs dark:bg-input/30"
            >
              {(roles.length ? roles : (["viewer"] as const)).map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          </FieldControl>
          <FieldError />
        </Field>
        <DeniedHint reason={denied}>
          <SubmitButton pendingLabel="Inviting…" disabled={denied !== null}>
            Send invitation
          </SubmitButton>
        </DeniedHint>
      </form>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      {result?.ok && (
        <FormMessage tone={notice?.includes("could not") ? "error" : "success"}>
          {notice}
        </FormMessage>
      )}
      <p className="text-xs text-muted-foreground">
        The invitation is valid for 7 days. Its email signs the person in
        (creating their account if they have none) and opens the invitation,
        which shows what the role can do.
      </p>
    </section>
  )
}
