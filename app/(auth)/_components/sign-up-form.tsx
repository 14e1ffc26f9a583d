"use client"

import * as React from "react"

import { signUp } from "@/lib/auth/actions"
import { IDLE } from "@/lib/auth/form-state"
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/schema"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { useFocusFirstError } from "@/components/auth/use-focus-first-error"

export function SignUpForm({ next }: { next: string }) {
  const [state, action] = React.useActionState(signUp, IDLE)
  const formRef = React.useRef<HTMLFormElement>(null)
  useFocusFirstError(formRef, state)

  if (state.status === "success") {
    return (
      <FormMessage tone="success">
        Almost there: we sent a confirmation link to{" "}
        <strong className="font-medium">{state.email}</strong>. Open it to
        finish creating your account. It can take a minute to arrive.
      </FormMessage>
    )
  }

  return (
    <form ref={formRef} action={action} className="grid gap-4" noValidate>
      <FormMessage tone="error">{state.message}</FormMessage>
      <input type="hidden" name="next" value={next} />
      <FormField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email}
        errors={state.fieldErrors?.email}
      />
      <FormField
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        minLength={MIN_PASSWORD_LENGTH}
        required
        errors={state.fieldErrors?.password}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
      />
      <SubmitButton className="w-full" pendingLabel="Creating your account…">
        Create account
      </SubmitButton>
    </form>
  )
}
