"use client"

import * as React from "react"

import { updatePassword } from "@/lib/auth/actions"
import { IDLE } from "@/lib/auth/form-state"
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/schema"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { useFocusFirstError } from "@/components/auth/use-focus-first-error"

export function UpdatePasswordForm() {
  const [state, action] = React.useActionState(updatePassword, IDLE)
  const formRef = React.useRef<HTMLFormElement>(null)
  useFocusFirstError(formRef, state)

  return (
    <form ref={formRef} action={action} className="grid gap-4" noValidate>
      <FormMessage tone="error">{state.message}</FormMessage>
      <FormField
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        minLength={MIN_PASSWORD_LENGTH}
        required
        errors={state.fieldErrors?.password}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters. Other browsers signed in to your account are signed out.`}
      />
      <FormField
        name="confirm"
        label="Repeat new password"
        type="password"
        autoComplete="new-password"
        required
        errors={state.fieldErrors?.confirm}
      />
      <SubmitButton className="w-full" pendingLabel="Saving…">
        Save new password
      </SubmitButton>
    </form>
  )
}
