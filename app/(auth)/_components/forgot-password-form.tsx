"use client"

import * as React from "react"

import { requestPasswordReset } from "@/lib/auth/actions"
import { IDLE } from "@/lib/auth/form-state"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { useFocusFirstError } from "@/components/auth/use-focus-first-error"

export function ForgotPasswordForm() {
  const [state, action] = React.useActionState(requestPasswordReset, IDLE)
  const formRef = React.useRef<HTMLFormElement>(null)
  useFocusFirstError(formRef, state)

  if (state.status === "success") {
    return (
      <FormMessage tone="success">
        If an account uses{" "}
        <strong className="font-medium">{state.email}</strong>, a link to choose
        a new password is on its way. It works for an hour.
      </FormMessage>
    )
  }

  return (
    <form ref={formRef} action={action} className="grid gap-4" noValidate>
      <FormMessage tone="error">{state.message}</FormMessage>
      <FormField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email}
        errors={state.fieldErrors?.email}
      />
      <SubmitButton className="w-full" pendingLabel="Sending…">
        Email me a reset link
      </SubmitButton>
    </form>
  )
}
