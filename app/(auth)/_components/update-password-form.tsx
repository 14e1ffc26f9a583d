"use client"

import * as React from "react"

import { fieldError, formMessage } from "@/lib/action-result"
import { updatePassword } from "@/lib/auth/actions"
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/schema"
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
import { SubmitButton } from "@/components/auth/submit-button"

export function UpdatePasswordForm() {
  const { result, formAction, formRef } = useAction(updatePassword)

  return (
    <form ref={formRef} action={formAction} className="grid gap-4" noValidate>
      <FormMessage tone="error">{formMessage(result)}</FormMessage>
      <Field errors={fieldError(result, "password")}>
        <FieldLabel>New password</FieldLabel>
        <FieldControl>
          <Input
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD_LENGTH}
            required
          />
        </FieldControl>
        <FieldDescription>
          At least {MIN_PASSWORD_LENGTH} characters. Other browsers signed in to
          your account are signed out.
        </FieldDescription>
        <FieldError />
      </Field>
      <Field errors={fieldError(result, "confirm")}>
        <FieldLabel>Repeat new password</FieldLabel>
        <FieldControl>
          <Input
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
          />
        </FieldControl>
        <FieldError />
      </Field>
      <SubmitButton className="w-full" pendingLabel="Saving…">
        Save new password
      </SubmitButton>
    </form>
  )
}
